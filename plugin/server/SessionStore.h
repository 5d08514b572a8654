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

    enum class OpenMode {
        ReadWrite, ///< creates the directory and the database if needed
        ReadOnly,  ///< needs an existing database and never writes to it (--export)
    };
    /**
     * Opens @p dir's database. An existing file is checked first: an empty
     * one, one that is not a SQLite database and one that fails
     * PRAGMA quick_check are refused with @p error naming the file and what
     * to do (--salvage). A WAL left by a killed process is checkpointed and
     * truncated (ReadWrite).
     */
    bool open(const QString &dir, QString *error, OpenMode mode = OpenMode::ReadWrite);
    void close();
    bool isOpen() const;
    QString databasePath() const;
    /// Where @p dir's database is (whether it exists or not).
    static QString databasePathIn(const QString &dir);

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
    /// An item whose stored data is not a JSON object fails the load with
    /// @p error naming it, unless @p damagedItems is given: then it is left
    /// out of @p items and its id listed there (for the caller to rebuild).
    bool load(const QString &session, QList<StateItem> *items, qint64 *seq, QList<HistoryEntry> *history,
              QStringList *removed, QString *error, QList<StateItem> *damagedItems = nullptr);
    /// Writes back an item rebuilt after its stored data was found damaged.
    bool repairItem(const QString &session, const StateItem &item, QString *error);
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

    // --- Session history -------------------------------------
    // Each write above stores its @p operation (HistoryOperation JSON, the
    // values it replaced included) in the same transaction when given.

    /// The session's stored operations in seq order and its named versions.
    /// An operation that does not parse fails the load, unless @p unreadable
    /// is given: then it is left out and its seq listed there.
    bool loadOperations(const QString &session, std::vector<HistoryOperation> *operations,
                        QList<OperationLog::Version> *versions, QString *error, QList<qint64> *unreadable = nullptr);
    /// The checkpoint compacted operations were folded into (seq 0 and no
    /// items when the history was never compacted); @p items may be null.
    bool loadBase(const QString &session, qint64 *seq, QList<StateItem> *items, QString *error);
    /// Folds the operations at or before @p seq into the checkpoint @p base.
    bool compact(const QString &session, qint64 seq, const QList<StateItem> &base, QString *error);
    bool putVersion(const QString &session, const OperationLog::Version &version, QString *error);
    /// The session's owner: the member given the token and the token's
    /// hex SHA-256 (the token itself is never stored). Replaces any previous one.
    bool putOwner(const QString &session, const QString &userId, const QByteArray &tokenHash, QString *error);
    /// Empty @p tokenHash: nobody owns the session yet.
    bool loadOwner(const QString &session, QString *userId, QByteArray *tokenHash, QString *error);
    /// Count, first and last seq of the stored operations (0, -1, -1 when none).
    bool operationRange(const QString &session, qint64 *count, qint64 *first, qint64 *last, QString *error);
    /// Calls @p visit with each stored operation's JSON text, in seq order,
    /// without parsing it (export); stops early when @p visit returns false.
    bool forEachOperation(const QString &session, const std::function<bool(const QByteArray &)> &visit,
                          QString *error);
    /// Every stored session id, sorted.
    bool sessionIds(QStringList *ids, QString *error);
    /// Calls @p visit with the seq and JSON text of the stored operations
    /// before @p beforeSeq, newest first, at most @p maxRows of them; stops
    /// early when @p visit returns false (history pages and scenes older
    /// than what a session keeps in memory).
    bool forEachOperationBefore(const QString &session, qint64 beforeSeq, int maxRows,
                                const std::function<bool(qint64, const QByteArray &)> &visit, QString *error);
    /// Runs @p body as one transaction: the writes it makes commit together
    /// (a restore of thousands of items is one commit, not thousands).
    /// False, with everything rolled back, when @p body or the commit fails.
    bool batch(const std::function<bool()> &body, QString *error);

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
