#!/bin/sh
# killnine-milter.sh - kill -9 of tlsrptd at random moments while a
# throwaway Postfix hands it report mail as a milter; every acknowledged
# report stored exactly once, every other one retried and stored. See
# killnine.inc.
WAY=milter
. "$(dirname "$0")/killnine.inc"
