/* pg_cluster.h - a throwaway PostgreSQL cluster for a C test program,
 * started, signalled and removed through tests/pg/cluster.sh */
#ifndef TR_PG_CLUSTER_H
#define TR_PG_CLUSTER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tu_pg {
	char dir[64];			/* "" when none is running */
	char conninfo[512];		/* its libpq keyword string */
};

/* tu_pg_cluster_cmd - cluster.sh CMD (stop, crash, up, ...) on pg; its exit
 * status */
static inline int
tu_pg_cluster_cmd(const struct tu_pg *pg, const char *cmd)
{
	char line[512];

	snprintf(line, sizeof(line), "sh '%s/pg/cluster.sh' %s '%s' > /dev/null",
	    TESTDIR, cmd, pg->dir);
	return system(line);
}

/* tu_pg_cluster_stop - stop the cluster and remove its directory; nothing
 * when none runs */
static inline void
tu_pg_cluster_stop(struct tu_pg *pg)
{
	if (pg->dir[0] == '\0')
		return;
	if (tu_pg_cluster_cmd(pg, "stop") != 0)
		fprintf(stderr, "cluster.sh stop %s failed\n", pg->dir);
	pg->dir[0] = '\0';
}

/*
 * tu_pg_cluster_open - cluster.sh HOW (start, or "standby" with the
 * primary's directory) in a fresh directory: 0 with its conninfo, or -1
 * with why filled in (cluster.sh says the rest on stderr). Only the line
 * with "host=" is the conninfo: tools run as another user may warn first.
 */
static inline int
tu_pg_cluster_open(struct tu_pg *pg, const char *how, const struct tu_pg *primary,
    char *why, size_t whysz)
{
	char cmd[512];
	FILE *p;
	size_t n;

	pg->conninfo[0] = '\0';
	snprintf(pg->dir, sizeof(pg->dir), "/tmp/tlsrptd-pg-XXXXXX");
	if (mkdtemp(pg->dir) == NULL) {
		snprintf(why, whysz, "mkdtemp: %s", strerror(errno));
		pg->dir[0] = '\0';
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s/pg/cluster.sh' %s '%s'%s%s%s",
	    TESTDIR, how, pg->dir, primary != NULL ? " '" : "",
	    primary != NULL ? primary->dir : "", primary != NULL ? "'" : "");
	if ((p = popen(cmd, "r")) == NULL) {
		snprintf(why, whysz, "cluster.sh %s: %s", how, strerror(errno));
		tu_pg_cluster_stop(pg);
		return -1;
	}
	while (fgets(pg->conninfo, sizeof(pg->conninfo), p) != NULL &&
	    strstr(pg->conninfo, "host=") == NULL)
		;
	if (pclose(p) != 0 || strstr(pg->conninfo, "host=") == NULL) {
		snprintf(why, whysz, "cluster.sh %s %s failed (its reason "
		    "is above)", how, pg->dir);
		pg->conninfo[0] = '\0';
		tu_pg_cluster_stop(pg);
		return -1;
	}
	n = strlen(pg->conninfo);
	while (n > 0 && (pg->conninfo[n - 1] == '\n' ||
	    pg->conninfo[n - 1] == '\r'))
		pg->conninfo[--n] = '\0';
	return 0;
}

/* tu_pg_cluster_start - a new primary cluster (tu_pg_cluster_open) */
static inline int
tu_pg_cluster_start(struct tu_pg *pg, char *why, size_t whysz)
{
	return tu_pg_cluster_open(pg, "start", NULL, why, whysz);
}

#endif
