#!/bin/sh
# memory-milter.sh - slow clients, clients vanishing in mid-DATA and big
# mails all at once through a throwaway Postfix and the milter: ordinary
# senders still served, the daemon's peak memory under a stated bound. See
# memory.inc.
WAY=milter
. "$(dirname "$0")/memory.inc"
