#!/bin/sh
# storage-milter.sh - a full disk, then a database locked by another
# process, while a throwaway Postfix hands report mail to the milter:
# temporary failures, no crash, service once the cause is gone, nothing
# acknowledged lost. See storage.inc.
WAY=milter
. "$(dirname "$0")/storage.inc"
