// SPDX-License-Identifier: MIT
#pragma once

#include "StateItem.h"

#include <QList>
#include <QString>
#include <memory>

namespace Optiverse::Collab {

/**
 * Durable storage of every session's scene, sequence number and recent
 * relayed commands (for resume) in one SQLite file (Qt Sql, QSQLITE) inside
 * a data directory.
 *
 * Journal mode WAL with synchronous=NORMAL: a commit appends to the WAL file
 * with write(2) before it returns, so a killed process (kill -9) loses
 * nothing that was committed; only an OS crash or power cut can lose the last
 * transactions (WAL is never corrupted). Every write is one transaction and
 * returns only after COMMIT, so callers acknowledge only durable changes.
 */
class SessionStore
{
public:
    SessionStore();
    ~SessionStore();
    SessionStore(const SessionStore &) = delete;
    SessionStore &operator=(const SessionStore &) = delete;

    /// Creates @p dir if needed and opens (or creates) its database.
    bool open(const QString &dir, QString *error);
    void close();
    bool isOpen() const;
    QString databasePath() const;

    /// A relayed command as stored for resume.
    struct HistoryEntry
    {
        qint64 seq;
        QString message;
    };

    /// Relayed commands kept per session (older ones are deleted every 64
    /// commands, so up to 63 more may be on disk); 0 keeps none. Default 10,000.
    void setHistoryLength(int length) { m_historyLength = length; }

    /// Reads a session; an unknown session is empty with seq 0. @p history
    /// gets the kept commands in seq order, only if they run without a gap
    /// up to @p seq (otherwise it is empty: resuming clients get the state).
    /// @p removed gets the ids of items removed in the session (and not re-added).
    bool load(const QString &session, QList<StateItem> *items, qint64 *seq, QList<HistoryEntry> *history,
              QStringList *removed, QString *error);
    /// Stores one item (insert or replace), the session's new seq and the
    /// command @p relayed for it, in one transaction. @p wasRemoved: the item
    /// is re-added after a removal (its id leaves the removed list).
    bool putItem(const QString &session, const StateItem &item, qint64 seq, const QString &relayed, QString *error,
                 bool wasRemoved = false);
    /// Removes one item (its id joins the removed list), stores the session's
    /// new seq and @p relayed.
    bool removeItem(const QString &session, const QString &itemId, qint64 seq, const QString &relayed,
                    QString *error);
    /// Replaces every item of the session, stores its new seq and forgets
    /// its history (commands before a replaced state cannot be replayed).
    bool replaceAll(const QString &session, const QList<StateItem> &items, qint64 seq, QString *error);

private:
    struct Private;
    std::unique_ptr<Private> d;
    int m_historyLength = 10000;
};

} // namespace Optiverse::Collab
