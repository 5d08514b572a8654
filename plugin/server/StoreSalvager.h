// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <functional>
#include <vector>

namespace Optiverse::Collab {

/**
 * `optiverse-collab-server --data-dir DIR --salvage NEWDIR`: copies what can
 * be read of a damaged store into a new data directory and says what was lost.
 *
 * The source is opened read-only and read row by row, per table and per
 * session: a scan stops at the first page SQLite cannot read, so it goes on
 * from the other end of the session's rows, and for tables keyed by seq it
 * steps over the unreadable seqs one by one. A row that reads but whose JSON
 * does not parse is left out too, except an item, which is rebuilt from the
 * session's history when that can tell (ItemRecovery). A session whose row in
 * `sessions` is lost gets the highest seq found in its other rows.
 */
class StoreSalvager
{
public:
    /// False with @p error when nothing could be done: no readable source, or
    /// @p toDir already holding a database, or the copy could not be written.
    bool run(const QString &fromDir, const QString &toDir, QString *error);
    /// What was copied and lost, per table and per session (several lines).
    QString report() const;
    /// Rows left out in all (unreadable, or known missing seqs).
    qint64 lostRows() const { return m_lostRows; }

private:
    struct Table;
    struct TableCount
    {
        qint64 copied = 0;
        qint64 lost = 0;          ///< rows known to be lost (seqs stepped over, bad JSON)
        int unknownRegions = 0;   ///< unreadable stretches of unknown size (tables keyed by text)
    };
    QMap<QString, TableCount> m_tables;  // table -> counts
    QMap<QString, QStringList> m_notes;  // session -> what was lost or rebuilt
    QString m_source;
    QString m_target;
    QString m_from; // connection names
    QString m_to;
    qint64 m_lostRows = 0;

    QStringList sessionIds();
    bool copySession(const QString &session, QString *error);
    using Row = QVariantList;
    /// Reads @p t's rows of @p session with key in (@p after, @p before)
    /// (null: unbounded) in key order; false when SQLite stopped on an error.
    bool scan(const Table &t, const QString &session, const QVariant &after, const QVariant &before, bool descending,
              const std::function<void(const Row &)> &visit);
    /// Every readable row of @p t for @p session to @p accept; @p knownSeq
    /// bounds the seq-stepping over unreadable stretches (-1: unknown).
    void readAll(const Table &t, const QString &session, qint64 knownSeq, const std::function<void(const Row &)> &accept);
    bool insert(const Table &t, const QString &session, const Row &row, QString *error);
    void lose(const QString &table, const QString &session, qint64 rows, const QString &note);
};

} // namespace Optiverse::Collab
