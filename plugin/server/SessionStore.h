// SPDX-License-Identifier: MIT
#pragma once

#include "StateItem.h"

#include <QList>
#include <QString>
#include <memory>

namespace Optiverse::Collab {

/**
 * Durable storage of every session's scene and sequence number in one SQLite
 * file (Qt Sql, QSQLITE) inside a data directory.
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

    /// Reads a session; an unknown session is empty with seq 0.
    bool load(const QString &session, QList<StateItem> *items, qint64 *seq, QString *error);
    /// Stores one item (insert or replace) and the session's new seq.
    bool putItem(const QString &session, const StateItem &item, qint64 seq, QString *error);
    /// Removes one item and stores the session's new seq.
    bool removeItem(const QString &session, const QString &itemId, qint64 seq, QString *error);
    /// Replaces every item of the session and stores its new seq.
    bool replaceAll(const QString &session, const QList<StateItem> &items, qint64 seq, QString *error);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Optiverse::Collab
