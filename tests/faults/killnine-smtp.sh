#!/bin/sh
# killnine-smtp.sh - kill -9 of tlsrptd at random moments while senders
# hand report mail straight to its SMTP listener; every acknowledged report
# stored exactly once, every other one retried and stored, every 250 naming
# the commit that holds its report. See killnine.inc.
WAY=smtp
. "$(dirname "$0")/killnine.inc"
