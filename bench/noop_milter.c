/* noop_milter.c - the floor for milter_bench.sh: a libmilter filter that
 * negotiates the same protocol steps as tlsrptd and does nothing else.
 * usage: noop_milter unix:/path/to/socket */
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

/* negotiate - the steps tlsrptd asks for, no replies where it has none */
static sfsistat
negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN |
	    SMFIP_HDR_LEADSPC | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR |
	    SMFIP_NR_EOH | SMFIP_NR_BODY);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

/* envelope - MAIL and RCPT: nothing to say */
static sfsistat
envelope(SMFICTX *ctx, char **argv)
{
	return SMFIS_NOREPLY;
}

/* header - nothing to say */
static sfsistat
header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_NOREPLY;
}

/* eoh - nothing to say */
static sfsistat
eoh(SMFICTX *ctx)
{
	return SMFIS_NOREPLY;
}

/* body - nothing to say */
static sfsistat
body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return SMFIS_NOREPLY;
}

/* cont - DATA, end of message, abort, close: go on */
static sfsistat
cont(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		.xxfi_name = "noop",
		.xxfi_version = SMFI_VERSION,
		.xxfi_envfrom = envelope,
		.xxfi_envrcpt = envelope,
		.xxfi_header = header,
		.xxfi_eoh = eoh,
		.xxfi_body = body,
		.xxfi_eom = cont,
		.xxfi_abort = cont,
		.xxfi_close = cont,
		.xxfi_data = cont,
		.xxfi_negotiate = negotiate,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: noop_milter unix:/path/to/socket\n");
		return 64;
	}
	umask(0);
	if (smfi_register(d) != MI_SUCCESS || smfi_setconn(argv[1]) !=
	    MI_SUCCESS || smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "noop_milter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
