/* alert_day.h - a domain's day against the alert threshold:
 * tr_alert_read_day, tr_alert_due, tr_alert_claim and tr_alert_fields
 * (declared in alert.h), and the claim undone */
#ifndef TR_ALERT_DAY_H
#define TR_ALERT_DAY_H

#include "alert.h"
#include "db.h"

/* tr_alert_unclaim - forget that a domain's day alerted, so that its next
 * report raises the alert (and runs the command) again; best effort,
 * logged when it fails */
void tr_alert_unclaim(struct tr_db *db, const char *domain, const char *day);

#endif
