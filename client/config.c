/*
 * config.c: the terminal client's settings: server URL, token, TLS
 * leniency, from flags, environment and the config file.
 *
 * The file holds a bearer token, so it is only ever written with mode 0600
 * in directories created with mode 0700, and replaced atomically (a
 * temporary file renamed over the old one) so that a crash never leaves a
 * half-written token. This file must never print the token.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "net.h"
#include "util.h"

/* The config file path from $XDG_CONFIG_HOME or $HOME, or NULL. */
static char *
config_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return xasprintf("%s/tandem/config", xdg);
	if (home && home[0])
		return xasprintf("%s/.config/tandem/config", home);
	return NULL;
}

/* Trim ASCII whitespace at both ends, in place. */
static char *
config_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * Split a `key = value` line in place. Returns false for blank lines,
 * comments and lines without '='.
 */
static bool
config_split(char *line, char **key, char **value)
{
	char *eq;

	line = config_trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return false;
	eq = strchr(line, '=');
	if (!eq)
		return false;
	*eq = '\0';
	*key = config_trim(line);
	*value = config_trim(eq + 1);
	return true;
}

static bool
config_truthy(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
	       strcmp(v, "yes") == 0 || strcmp(v, "on") == 0;
}

/* Read the file's known keys into cfg. A missing file is fine. */
static int
config_read_file(struct config *cfg, char *why, size_t why_len)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	struct stat st;
	int rc = 0;

	f = fopen(cfg->path, "r");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(why, why_len, "cannot read %s: %s", cfg->path,
			 strerror(errno));
		return CLI_ERR_CONFIG;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		fprintf(stderr,
			"tandem: warning: %s is readable by others; "
			"chmod 600 it\n",
			cfg->path);
	while (getline(&line, &cap, f) >= 0) {
		char *key, *value;

		if (!config_split(line, &key, &value))
			continue;
		if (strcmp(key, "server") == 0 && value[0]) {
			free(cfg->file_server);
			cfg->file_server = xstrdup(value);
		} else if (strcmp(key, "token") == 0 && value[0]) {
			free(cfg->token);
			cfg->token = xstrdup(value);
		} else if (strcmp(key, "insecure") == 0) {
			cfg->file_insecure = config_truthy(value);
		}
	}
	if (ferror(f)) {
		snprintf(why, why_len, "cannot read %s", cfg->path);
		rc = CLI_ERR_CONFIG;
	}
	if (line)
		util_wipe(line, cap);
	free(line);
	fclose(f);
	return rc;
}

/* True when two server URLs name the same endpoint. */
static bool
config_same_server(const char *a, const char *b)
{
	struct net_url ua, ub;

	if (net_url_parse(a, &ua) != 0 || net_url_parse(b, &ub) != 0)
		return strcmp(a, b) == 0;
	return ua.tls == ub.tls && ua.port == ub.port &&
	       strcmp(ua.host, ub.host) == 0 && strcmp(ua.path, ub.path) == 0;
}

int
config_load(struct config *cfg, const char *flag_server, const char *flag_token,
	    bool flag_insecure, char *why, size_t why_len)
{
	const char *env_server = getenv("TANDEM_SERVER");
	const char *env_token = getenv("TANDEM_TOKEN");
	const char *env_insecure = getenv("TANDEM_INSECURE");
	const char *server;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = config_path();
	if (cfg->path)
		rc = config_read_file(cfg, why, why_len);
	if (rc != 0)
		goto out;

	if (flag_server)
		server = flag_server;
	else if (env_server && env_server[0])
		server = env_server;
	else
		server = cfg->file_server;
	if (server)
		cfg->server = xstrdup(server);
	/*
	 * The file's token and TLS leniency belong to the file's server: they
	 * are never sent to, or applied to, another one.
	 */
	if (cfg->token && !(server && cfg->file_server &&
			    config_same_server(server, cfg->file_server))) {
		util_wipe(cfg->token, strlen(cfg->token));
		free(cfg->token);
		cfg->token = NULL;
	}
	cfg->token_from_file = cfg->token != NULL;
	if (cfg->token_from_file)
		cfg->insecure = cfg->file_insecure;

	if (env_token && env_token[0] &&
	    !(cfg->token && strcmp(env_token, cfg->token) == 0)) {
		cfg->token_from_file = false;
		free(cfg->token);
		cfg->token = xstrdup(env_token);
	}
	if (flag_token &&
	    !(cfg->token && strcmp(flag_token, cfg->token) == 0)) {
		cfg->token_from_file = false;
		free(cfg->token);
		cfg->token = xstrdup(flag_token);
	}
	if (env_insecure && env_insecure[0])
		cfg->insecure = config_truthy(env_insecure);
	if (flag_insecure)
		cfg->insecure = true;
out:
	return rc;
}

void
config_fini(struct config *cfg)
{
	if (cfg->token)
		util_wipe(cfg->token, strlen(cfg->token));
	free(cfg->token);
	free(cfg->server);
	free(cfg->file_server);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

/* mkdir -p for the directory part of path, new directories mode 0700. */
static int
config_mkdirs(const char *path, char *why, size_t why_len)
{
	char *dir = xstrdup(path);
	char *p;
	int rc = 0;

	p = strrchr(dir, '/');
	if (p)
		*p = '\0';
	for (p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char saved = *p;

			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
				snprintf(why, why_len, "cannot create %s: %s",
					 dir, strerror(errno));
				rc = CLI_ERR_IO;
				goto out;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
out:
	free(dir);
	return rc;
}

/* Collect the lines of the existing file that this client does not own. */
static void
config_keep_other_lines(const char *path, struct sbuf *b)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) >= 0) {
		char *copy = xstrdup(line);
		char *key, *value;
		bool ours = config_split(copy, &key, &value) &&
			    (strcmp(key, "server") == 0 ||
			     strcmp(key, "token") == 0 ||
			     strcmp(key, "insecure") == 0);

		util_wipe(copy, strlen(copy));
		free(copy);
		if (ours)
			continue;
		sbuf_adds(b, line);
		if (b->len && b->s[b->len - 1] != '\n')
			sbuf_add(b, "\n", 1);
	}
	if (line)
		util_wipe(line, cap);
	free(line);
	fclose(f);
}

/* Write all of buf to fd. Returns 0 or -1 with errno set. */
static int
config_write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int
config_save(const struct config *cfg, const char *server, const char *token,
	    bool insecure, char *why, size_t why_len)
{
	struct sbuf b;
	char *tmp = NULL;
	int fd = -1;
	int rc = CLI_ERR_IO;
	int err;

	sbuf_init(&b);
	if (!cfg->path) {
		snprintf(why, why_len,
			 "neither HOME nor XDG_CONFIG_HOME is set");
		rc = CLI_ERR_CONFIG;
		goto out;
	}
	rc = config_mkdirs(cfg->path, why, why_len);
	if (rc != 0)
		goto out;
	rc = CLI_ERR_IO;
	config_keep_other_lines(cfg->path, &b);
	if (server)
		sbuf_addf(&b, "server = %s\n", server);
	if (token)
		sbuf_addf(&b, "token = %s\n", token);
	if (insecure)
		sbuf_adds(&b, "insecure = true\n");

	tmp = xasprintf("%s.XXXXXX", cfg->path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(why, why_len, "cannot create %s: %s", tmp,
			 strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	err = 0;
	if (fchmod(fd, 0600) < 0 || config_write_all(fd, b.s, b.len) < 0 ||
	    fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, cfg->path) < 0)
		err = errno;
	if (err) {
		snprintf(why, why_len, "cannot write %s: %s", cfg->path,
			 strerror(err));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	util_wipe(b.s, b.len);
	sbuf_fini(&b);
	return rc;
}
