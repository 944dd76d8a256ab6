/*
 * peers.c: starting the peers beside which tandemd is measured, each
 * configured fairly (loopback, no TLS, no rate limits or shapers, no
 * persistence where that is an option, pinned to the server's core):
 * mosquitto with a websockets listener, nats-server with websocket
 * enabled, prosody with MUC over XMPP-WebSocket, and the node + ws
 * broadcast server in bench/peers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lg.h"

const char *peers_dir = "bench/peers";
const char *node_bin = "node";

/* Write `text` to dir/name; returns the path (static buffer) or NULL. */
static const char *
write_config(const char *dir, const char *name, const char *text)
{
	static char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

int
peer_start_mosquitto(int port, const char *dir)
{
	char conf[512];
	const char *path;

	snprintf(conf, sizeof(conf),
		 "per_listener_settings false\n"
		 "allow_anonymous true\n"
		 "persistence false\n"
		 "log_dest stderr\n"
		 "log_type error\n"
		 "set_tcp_nodelay true\n"
		 "max_queued_messages 0\n"
		 /* 2.0.11 refuses to start with only websockets listeners. */
		 "listener %d 127.0.0.1\n"
		 "listener %d 127.0.0.1\n"
		 "protocol websockets\n", port + 1, port);
	path = write_config(dir, "mosquitto.conf", conf);
	if (path == NULL)
		return -1;
	{
		char *argv[] = { "mosquitto", "-c", (char *)path, NULL };

		target_spawn(argv);
	}
	return target_wait_port(port, 10000);
}

int
peer_start_nats(int port, const char *dir)
{
	char conf[512];
	const char *path;

	snprintf(conf, sizeof(conf),
		 "listen: \"127.0.0.1:%d\"\n"
		 "websocket {\n"
		 "  listen: \"127.0.0.1:%d\"\n"
		 "  no_tls: true\n"
		 "  compression: false\n"
		 "}\n", port + 1, port);
	path = write_config(dir, "nats.conf", conf);
	if (path == NULL)
		return -1;
	{
		char *argv[] = { "nats-server", "-c", (char *)path, NULL };

		target_spawn(argv);
	}
	return target_wait_port(port, 10000);
}

/*
 * prosody: anonymous logins, a MUC component whose rooms keep no history
 * and open unlocked, no mod_limits (Debian's default config enables it
 * with a 10 kB/s rate: this config does not), websocket on `port`.
 */
int
peer_start_prosody(int port, const char *dir)
{
	char conf[2048];
	const char *path;

	snprintf(conf, sizeof(conf),
		 "run_as_root = true\n"
		 "pidfile = \"%s/prosody.pid\"\n"
		 "data_path = \"%s\"\n"
		 "log = { error = \"*stderr\" }\n"
		 "modules_enabled = { \"saslauth\", \"disco\", "
		 "\"websocket\" }\n"
		 "c2s_require_encryption = false\n"
		 "allow_unencrypted_plain_auth = true\n"
		 "consider_websocket_secure = true\n"
		 "interfaces = { \"127.0.0.1\" }\n"
		 "http_ports = { %d }\n"
		 "https_ports = { }\n"
		 "c2s_ports = { %d }\n"
		 "s2s_ports = { }\n"
		 "VirtualHost \"bench.local\"\n"
		 "  authentication = \"anonymous\"\n"
		 "Component \"rooms.bench.local\" \"muc\"\n"
		 "  muc_room_locking = false\n"
		 "  muc_room_default_history_length = 0\n"
		 "  max_history_messages = 0\n",
		 dir, dir, port, port + 1);
	path = write_config(dir, "prosody.cfg.lua", conf);
	if (path == NULL)
		return -1;
	{
		char *argv[] = { "prosody", "--config", (char *)path, "-F",
				 NULL };

		target_spawn(argv);
	}
	return target_wait_port(port, 10000);
}

int
peer_start_nodews(int port, const char *dir)
{
	char script[4096], ps[16];
	char *argv[] = { (char *)node_bin, script, ps, NULL };

	(void)dir;
	snprintf(script, sizeof(script), "%s/ws-broadcast.js", peers_dir);
	snprintf(ps, sizeof(ps), "%d", port);
	target_spawn(argv);
	return target_wait_port(port, 10000);
}
