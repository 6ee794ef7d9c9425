#!/bin/sh
# storage-smtp.sh - a full disk, then a database locked by another process,
# while senders hand report mail straight to the SMTP listener: temporary
# failures, no crash, service once the cause is gone, nothing acknowledged
# lost. See storage.inc.
WAY=smtp
. "$(dirname "$0")/storage.inc"
