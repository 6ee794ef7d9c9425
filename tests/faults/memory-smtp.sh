#!/bin/sh
# memory-smtp.sh - slow clients, clients vanishing in mid-DATA and big mails
# all at once, straight to the SMTP listener: ordinary senders still served,
# the daemon's peak memory under a stated bound. See memory.inc.
WAY=smtp
. "$(dirname "$0")/memory.inc"
