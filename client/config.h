/*
 * config.h: where the terminal client finds its server and token.
 *
 * Precedence, highest first: command-line flags (--server, --token), the
 * environment (TANDEM_SERVER, TANDEM_TOKEN), then the config file
 * $XDG_CONFIG_HOME/tandem/config (default ~/.config/tandem/config), whose
 * lines are `key = value` with keys server, token and insecure; `#` starts a
 * comment line.
 *
 * The file's token (and its insecure setting) belong to the file's server:
 * with --server or TANDEM_SERVER naming another server they are not used.
 */
#ifndef TANDEM_CLIENT_CONFIG_H
#define TANDEM_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char *server;	   /* as given; NULL when none */
	char *token;	   /* NULL when none */
	bool insecure;	   /* accept unverified TLS certificates */
	char *path;	   /* the config file's path; NULL without HOME */
	char *file_server; /* what the file says, for login to keep */
	bool file_insecure;
	bool token_from_file; /* cfg->token is the file's token */
};

/*
 * Fill cfg from flags (NULL when not given), the environment and the file.
 * A missing file is not an error. Returns 0, or CLI_ERR_CONFIG with a
 * message in why when the file exists but cannot be read.
 */
int config_load(struct config *cfg, const char *flag_server,
		const char *flag_token, bool flag_insecure, char *why,
		size_t why_len);
void config_fini(struct config *cfg);

/*
 * Write the config file with server and token (token NULL: remove it),
 * keeping other lines. Creates missing directories with mode 0700 and the
 * file with mode 0600, through a temporary file renamed over the old one.
 * Returns 0, or CLI_ERR_IO / CLI_ERR_CONFIG with a message in why.
 */
int config_save(const struct config *cfg, const char *server, const char *token,
		bool insecure, char *why, size_t why_len);

#endif
