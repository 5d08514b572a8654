// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"
#include "OperationLog.h"
#include "StateItem.h"

#include <QList>
#include <functional>
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
                 bool wasRemoved = false, const QByteArray &operation = {});
    /// Removes one item (its id joins the removed list), stores the session's
    /// new seq and @p relayed.
    bool removeItem(const QString &session, const QString &itemId, qint64 seq, const QString &relayed,
                    QString *error, const QByteArray &operation = {});
    /// Replaces every item of the session, stores its new seq and forgets
    /// its history (commands before a replaced state cannot be replayed).
    bool replaceAll(const QString &session, const QList<StateItem> &items, qint64 seq, QString *error,
                    const QByteArray &operation = {});

    // --- Session history (issue 13) -------------------------------------
    // Each write above stores its @p operation (HistoryOperation JSON, the
    // values it replaced included) in the same transaction when given.

    /// The session's stored operations in seq order and its named versions.
    bool loadOperations(const QString &session, std::vector<HistoryOperation> *operations,
                        QList<OperationLog::Version> *versions, QString *error);
    /// The checkpoint compacted operations were folded into (seq 0 and no
    /// items when the history was never compacted).
    bool loadBase(const QString &session, qint64 *seq, QList<StateItem> *items, QString *error);
    /// Folds the operations at or before @p seq into the checkpoint @p base.
    bool compact(const QString &session, qint64 seq, const QList<StateItem> &base, QString *error);
    bool putVersion(const QString &session, const OperationLog::Version &version, QString *error);
    /// Count, first and last seq of the stored operations (0, -1, -1 when none).
    bool operationRange(const QString &session, qint64 *count, qint64 *first, qint64 *last, QString *error);
    /// Calls @p visit with each stored operation's JSON text, in seq order,
    /// without parsing it (export); stops early when @p visit returns false.
    bool forEachOperation(const QString &session, const std::function<bool(const QByteArray &)> &visit,
                          QString *error);
    /// Every stored session id, sorted.
    bool sessionIds(QStringList *ids, QString *error);

    /// For tests only: the database may not grow beyond @p pages (SQLite's
    /// max_page_count, never below its current size; 0 lifts the limit). A
    /// write that needs a new page then fails with "database or disk is
    /// full", exactly as on a full disk, which a test cannot rely on having.
    bool setMaxPageCount(qint64 pages, QString *error);

private:
    bool storeOperation(const QString &session, qint64 seq, const QByteArray &operation, QString *error);

    struct Private;
    std::unique_ptr<Private> d;
    int m_historyLength = 10000;
};

} // namespace Optiverse::Collab
