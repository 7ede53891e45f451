/*
 * msgid.h: the journal's MESSAGE_IDs of Meridian's notable events.
 *
 * Stable 128-bit ids (made once with `systemd-id128 new`; never change or
 * reuse one), so `journalctl MESSAGE_ID=...` finds an event whatever its
 * text says.  evlog.c attaches them to the events it sends to the journal.
 */
#ifndef MERIDIAN_MSGID_H
#define MERIDIAN_MSGID_H

/* NTP/4/NTP_SYNCHRONIZE_STATUS: unsynchronized to synchronized. */
#define MSGID_NTP_SYNCHRONIZED "90bc9f8aef6446d4bbc92776f0da879b"
/* NTP/2/NTP_SYNCHRONIZE_STATUS: synchronized to unsynchronized. */
#define MSGID_NTP_SYNC_LOST    "b8ad19a9c0c7414bb8ca2c8b155dee5a"
/* NTP/4/PEER_SELE: the system peer changed. */
#define MSGID_NTP_SOURCE       "851ce4283a3548119ca89eef7662c78d"

#endif
