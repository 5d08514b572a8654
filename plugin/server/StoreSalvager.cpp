// SPDX-License-Identifier: MIT
#include "StoreSalvager.h"

#include "ItemRecovery.h"
#include "SessionStore.h"

#include <QAtomicInteger>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTextStream>

namespace Optiverse::Collab {

namespace {
QAtomicInteger<quint64> s_counter;
} // namespace

struct StoreSalvager::Table
{
    enum class Key { None, Text, Seq };
    QString name;
    QStringList columns; ///< after session_id; the key first
    Key key = Key::None;
    bool contiguous = false; ///< one row per seq (a seq stepped over is a row lost)
};

namespace {

bool parsesAs(const QVariant &text, bool array)
{
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toByteArray(), &e);
    return e.error == QJsonParseError::NoError && (array ? doc.isArray() : doc.isObject());
}

} // namespace

QStringList StoreSalvager::sessionIds()
{
    // Every table names sessions: a damaged stretch of one hides only its rows.
    QSet<QString> ids;
    for (const char *table : {"sessions", "items", "removed", "history", "operations", "history_base", "versions"}) {
        for (const char *order : {"ASC", "DESC"}) {
            QSqlQuery q(QSqlDatabase::database(m_from, false));
            q.setForwardOnly(true);
            if (!q.exec(QStringLiteral("SELECT DISTINCT session_id FROM %1 ORDER BY session_id %2")
                            .arg(QLatin1String(table), QLatin1String(order))))
                continue;
            while (q.next())
                ids.insert(q.value(0).toString());
            if (!q.lastError().isValid())
                break; // read whole: no need for the other end
        }
    }
    QStringList sorted(ids.cbegin(), ids.cend());
    sorted.sort();
    return sorted;
}

bool StoreSalvager::scan(const Table &t, const QString &session, const QVariant &after, const QVariant &before,
                         bool descending, const std::function<void(const Row &)> &visit)
{
    QString sql = QStringLiteral("SELECT %1 FROM %2 WHERE session_id = ?").arg(t.columns.join(QLatin1String(", ")), t.name);
    const QString &key = t.columns.constFirst();
    if (t.key != Table::Key::None) {
        if (!after.isNull())
            sql += QStringLiteral(" AND %1 > ?").arg(key);
        if (!before.isNull())
            sql += QStringLiteral(" AND %1 < ?").arg(key);
        sql += QStringLiteral(" ORDER BY %1 %2").arg(key, descending ? QLatin1String("DESC") : QLatin1String("ASC"));
    }
    QSqlQuery q(QSqlDatabase::database(m_from, false));
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return false;
    int bind = 0;
    q.bindValue(bind++, session);
    if (t.key != Table::Key::None && !after.isNull())
        q.bindValue(bind++, after);
    if (t.key != Table::Key::None && !before.isNull())
        q.bindValue(bind++, before);
    if (!q.exec())
        return false;
    while (q.next()) {
        Row row;
        for (int i = 0; i < t.columns.size(); ++i)
            row.append(q.value(i));
        visit(row);
    }
    return !q.lastError().isValid();
}

void StoreSalvager::readAll(const Table &t, const QString &session, qint64 knownSeq,
                            const std::function<void(const Row &)> &accept)
{
    QVariant last;
    if (scan(t, session, {}, {}, false, [&](const Row &row) {
            accept(row);
            last = row.constFirst();
        }))
        return;
    if (t.key == Table::Key::None) {
        lose(t.name, session, 1, QStringLiteral("%1: its row is unreadable").arg(t.name));
        return;
    }
    // SQLite stopped at a damaged page: read the rest from the other end.
    QVariant firstFromEnd;
    scan(t, session, last, {}, true, [&](const Row &row) {
        accept(row);
        firstFromEnd = row.constFirst();
    });
    const QString from = last.isNull() ? QStringLiteral("the start") : last.toString();
    const QString to = firstFromEnd.isNull() ? QStringLiteral("the end") : firstFromEnd.toString();
    if (t.key == Table::Key::Text || (firstFromEnd.isNull() && knownSeq < 0)) {
        ++m_tables[t.name].unknownRegions;
        m_notes[session].append(QStringLiteral("%1: rows between %2 and %3 unreadable (how many is unknown)")
                                    .arg(t.name, from, to));
        return;
    }
    // Keyed by seq: step over the unreadable seqs one at a time.
    qint64 cursor = last.isNull() ? -1 : last.toLongLong();
    const qint64 upper = firstFromEnd.isNull() ? knownSeq + 1 : firstFromEnd.toLongLong();
    QList<QPair<qint64, qint64>> lost;
    while (cursor + 1 < upper) {
        qint64 reached = cursor;
        if (scan(t, session, cursor, upper, false, [&](const Row &row) {
                accept(row);
                reached = row.constFirst().toLongLong();
            }))
            break;
        if (reached > cursor) {
            cursor = reached;
            continue;
        }
        ++cursor; // nothing readable right after the cursor: that seq is lost
        if (!lost.isEmpty() && lost.last().second == cursor - 1)
            lost.last().second = cursor;
        else
            lost.append({cursor, cursor});
    }
    for (const auto &range : std::as_const(lost)) {
        const QString seqs = range.first == range.second ? QStringLiteral("seq %1").arg(range.first)
                                                         : QStringLiteral("seq %1-%2").arg(range.first).arg(range.second);
        if (t.contiguous) {
            lose(t.name, session, range.second - range.first + 1, QStringLiteral("%1: %2 unreadable").arg(t.name, seqs));
        } else {
            ++m_tables[t.name].unknownRegions;
            m_notes[session].append(QStringLiteral("%1: rows at %2 unreadable (if any)").arg(t.name, seqs));
        }
    }
}

bool StoreSalvager::insert(const Table &t, const QString &session, const Row &row, QString *error)
{
    QStringList marks(t.columns.size() + 1, QStringLiteral("?"));
    QSqlQuery q(QSqlDatabase::database(m_to, false));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO %1 (session_id, %2) VALUES (%3)")
                  .arg(t.name, t.columns.join(QLatin1String(", ")), marks.join(QLatin1String(", "))));
    q.bindValue(0, session);
    for (int i = 0; i < row.size(); ++i)
        q.bindValue(i + 1, row.at(i));
    if (!q.exec()) {
        *error = QStringLiteral("cannot write %1 into %2: %3").arg(t.name, m_target, q.lastError().text());
        return false;
    }
    ++m_tables[t.name].copied;
    return true;
}

void StoreSalvager::lose(const QString &table, const QString &session, qint64 rows, const QString &note)
{
    m_tables[table].lost += rows;
    m_lostRows += rows;
    m_notes[session].append(note);
}

bool StoreSalvager::copySession(const QString &session, QString *error)
{
    using Key = Table::Key;
    const Table sessions{QStringLiteral("sessions"), {QStringLiteral("seq")}, Key::None};
    const Table base{QStringLiteral("history_base"), {QStringLiteral("seq"), QStringLiteral("items")}, Key::None};
    const Table operations{QStringLiteral("operations"), {QStringLiteral("seq"), QStringLiteral("data")}, Key::Seq, true};
    const Table history{QStringLiteral("history"), {QStringLiteral("seq"), QStringLiteral("message")}, Key::Seq, true};
    const Table versions{QStringLiteral("versions"),
                         {QStringLiteral("seq"), QStringLiteral("name"), QStringLiteral("user_id"), QStringLiteral("time_ms")},
                         Key::Seq};
    const Table removed{QStringLiteral("removed"), {QStringLiteral("item_id"), QStringLiteral("seq")}, Key::Text};
    const Table items{QStringLiteral("items"),
                      {QStringLiteral("item_id"), QStringLiteral("item_type"), QStringLiteral("data")}, Key::Text};
    bool ok = true;
    auto put = [&](const Table &t, const Row &row) {
        if (ok)
            ok = insert(t, session, row, error);
    };

    qint64 seq = -1;
    readAll(sessions, session, -1, [&](const Row &row) {
        seq = row.at(0).toLongLong();
        put(sessions, row);
    });
    const bool seqKnown = seq >= 0;
    qint64 highest = 0; // the highest seq any row names, for a lost session row
    readAll(base, session, seq, [&](const Row &row) {
        if (parsesAs(row.at(1), true))
            put(base, row);
        else
            lose(base.name, session, 1, QStringLiteral("history_base: its items are unreadable"));
    });
    std::vector<HistoryOperation> ops;
    readAll(operations, session, seq, [&](const Row &row) {
        HistoryOperation op;
        QString why;
        const qint64 at = row.at(0).toLongLong();
        highest = qMax(highest, at);
        if (parsesAs(row.at(1), false)
            && HistoryOperation::fromJson(QJsonDocument::fromJson(row.at(1).toByteArray()).object(), &op, &why)
            && op.seq == at) {
            put(operations, row);
            ops.push_back(std::move(op));
        } else {
            lose(operations.name, session, 1, QStringLiteral("operations: seq %1 unreadable").arg(at));
        }
    });
    std::sort(ops.begin(), ops.end(), [](const HistoryOperation &a, const HistoryOperation &b) { return a.seq < b.seq; });
    readAll(history, session, seq, [&](const Row &row) {
        highest = qMax(highest, row.at(0).toLongLong());
        if (parsesAs(row.at(1), false))
            put(history, row);
        else
            lose(history.name, session, 1, QStringLiteral("history: seq %1 unreadable").arg(row.at(0).toLongLong()));
    });
    readAll(versions, session, seq, [&](const Row &row) { put(versions, row); });
    // Lost, the owner would be whoever joins first: copied like the scene.
    // Files from before owners were kept have no such table, and lose nothing.
    const Table owners{QStringLiteral("session_owners"), {QStringLiteral("user_id"), QStringLiteral("token_hash")}, Key::None};
    if (QSqlDatabase::database(m_from, false).tables().contains(owners.name))
        readAll(owners, session, seq, [&](const Row &row) { put(owners, row); });
    readAll(removed, session, seq, [&](const Row &row) {
        highest = qMax(highest, row.at(1).toLongLong());
        put(removed, row);
    });
    if (!seqKnown && ok) {
        seq = highest;
        put(sessions, {seq});
        m_notes[session].append(QStringLiteral("sessions: its seq was unreadable; set to %1, the highest found").arg(seq));
    }
    readAll(items, session, seq, [&](const Row &row) {
        if (parsesAs(row.at(2), false)) {
            put(items, row);
            return;
        }
        const QString id = row.at(0).toString();
        if (const std::optional<StateItem> item = ItemRecovery::fromHistory(id, ops, seq)) {
            put(items, {id, item->type, QString::fromUtf8(QJsonDocument(item->data).toJson(QJsonDocument::Compact))});
            m_notes[session].append(QStringLiteral("items: %1's data was unreadable; rebuilt from the history").arg(id));
        } else {
            lose(items.name, session, 1,
                 QStringLiteral("items: %1's data unreadable and not rebuildable from the history (left out)").arg(id));
        }
    });
    return ok;
}

bool StoreSalvager::run(const QString &fromDir, const QString &toDir, QString *error)
{
    m_source = SessionStore::databasePathIn(fromDir);
    m_target = SessionStore::databasePathIn(toDir);
    {
        QFile file(m_source);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QFileInfo::exists(m_source) ? QStringLiteral("cannot read %1: %2").arg(m_source, file.errorString())
                                                 : QStringLiteral("no database to salvage: %1 does not exist").arg(m_source);
            return false;
        }
        if (file.size() == 0) {
            *error = QStringLiteral("nothing to salvage: %1 is empty (0 bytes)").arg(m_source);
            return false;
        }
    }
    if (QFileInfo::exists(m_target)) {
        *error = QStringLiteral("%1 already holds a database: give a new directory").arg(toDir);
        return false;
    }
    {
        // The schema, as the server creates it.
        SessionStore target;
        if (!target.open(toDir, error))
            return false;
    }
    m_from = QStringLiteral("optiverse-salvage-from-%1").arg(++s_counter);
    m_to = QStringLiteral("optiverse-salvage-to-%1").arg(s_counter.loadRelaxed());
    bool ok = false;
    {
        QSqlDatabase from = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_from);
        from.setDatabaseName(m_source);
        from.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QSqlDatabase to = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_to);
        to.setDatabaseName(m_target);
        if (!from.open()) {
            *error = QStringLiteral("cannot open %1: %2").arg(m_source, from.lastError().text());
        } else if (!to.open()) {
            *error = QStringLiteral("cannot open %1: %2").arg(m_target, to.lastError().text());
        } else {
            const QStringList ids = sessionIds();
            ok = QSqlQuery(to).exec(QStringLiteral("BEGIN"));
            for (const QString &id : ids) {
                if (!(ok = copySession(id, error)))
                    break;
            }
            if (ok && !QSqlQuery(to).exec(QStringLiteral("COMMIT"))) {
                ok = false;
                *error = QStringLiteral("cannot write %1: %2").arg(m_target, to.lastError().text());
            }
            if (ok && ids.isEmpty() && !QSqlQuery(from).exec(QStringLiteral("SELECT 1 FROM sessions LIMIT 1"))) {
                ok = false;
                *error = QStringLiteral("nothing could be read from %1: %2").arg(m_source, from.lastError().text());
            }
        }
        from.close();
        to.close();
    }
    QSqlDatabase::removeDatabase(m_from);
    QSqlDatabase::removeDatabase(m_to);
    if (!ok)
        QFile::remove(m_target); // a later --salvage into the same directory may try again
    return ok;
}

QString StoreSalvager::report() const
{
    QString text;
    QTextStream out(&text);
    out << "Salvaged " << m_source << " into " << m_target << "\n";
    for (auto it = m_tables.cbegin(); it != m_tables.cend(); ++it) {
        out << "  " << it.key() << ": " << it->copied << " row(s) copied";
        if (it->lost > 0)
            out << ", " << it->lost << " lost";
        if (it->unknownRegions > 0)
            out << ", " << it->unknownRegions << " unreadable stretch(es) of unknown size";
        out << "\n";
    }
    for (auto it = m_notes.cbegin(); it != m_notes.cend(); ++it) {
        out << "Session " << it.key() << ":\n";
        for (const QString &note : it.value())
            out << "  " << note << "\n";
    }
    int unknown = 0;
    for (const TableCount &c : m_tables)
        unknown += c.unknownRegions;
    if (m_lostRows == 0 && unknown == 0)
        out << "Nothing was lost.\n";
    else
        out << "Lost: " << m_lostRows << " row(s)" << (unknown > 0 ? " and the unreadable stretches above" : "") << ".\n";
    out << "Start the server with --data-dir " << QFileInfo(m_target).absolutePath()
        << " (a session whose history lost rows loads its scene and says where its history starts).\n";
    return text;
}

} // namespace Optiverse::Collab
