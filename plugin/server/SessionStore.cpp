// SPDX-License-Identifier: MIT
#include "SessionStore.h"

#include "LogThrottle.h"
#include "ServerLog.h"
#include "WalCheckpointer.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>
#include <optional>

namespace Optiverse::Collab {

namespace {
QAtomicInteger<quint64> s_connectionCounter;
constexpr char DatabaseFile[] = "optiverse-collab.sqlite";

QString salvageHint(const QString &dir)
{
    return QStringLiteral("To copy what can still be read into a new data dir: "
                          "optiverse-collab-server --data-dir %1 --salvage NEWDIR").arg(dir);
}

QString damagedMessage(const QString &path, const QString &dir, const QString &problem)
{
    return QStringLiteral("database %1 is damaged (%2); nothing was changed. %3").arg(path, problem, salvageHint(dir));
}

// What SQLite cannot tell clearly: an empty file is a valid empty database
// to it, and a foreign file only fails at the first query.
bool checkFile(const QString &path, const QString &dir, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read database %1: %2").arg(path, file.errorString());
        return false;
    }
    if (file.size() == 0) {
        *error = QStringLiteral("database %1 is empty (0 bytes): it holds no sessions. If it should, restore it "
                                "from a backup; otherwise delete it to start with an empty store")
                     .arg(path);
        return false;
    }
    static const QByteArray magic("SQLite format 3\0", 16);
    if (file.read(magic.size()) != magic) {
        *error = QStringLiteral("%1 is not a SQLite database (is --data-dir %2 right?); nothing was changed. %3")
                     .arg(path, dir, salvageHint(dir));
        return false;
    }
    return true;
}

// PRAGMA quick_check: every page and record readable (not the indexes'
// agreement with their tables, which integrity_check would add at O(N log N)).
bool quickCheck(QSqlDatabase &db, QString *problem)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("PRAGMA quick_check"))) {
        *problem = q.lastError().text();
        return false;
    }
    QStringList found;
    int count = 0;
    while (q.next()) {
        // One line for the message: "*** in database main ***" says nothing.
        for (const QString &line : q.value(0).toString().split(QLatin1Char('\n'))) {
            if (line == QLatin1String("ok") || line.startsWith(QLatin1String("***")))
                continue;
            if (found.size() < 2)
                found.append(line.simplified());
            ++count;
        }
    }
    if (q.lastError().isValid()) {
        found.append(q.lastError().text().simplified());
        ++count;
    }
    if (count == 0)
        return true;
    *problem = QStringLiteral("quick_check: %1%2").arg(found.join(QLatin1String("; ")),
                                                       count > found.size() ? QStringLiteral("; %1 problem(s) in all").arg(count)
                                                                            : QString());
    return false;
}
} // namespace

struct SessionStore::Private
{
    QString connectionName;
    QString path;
    bool readOnly = false;
    std::unique_ptr<WalCheckpointer> checkpointer;
    std::optional<QSqlQuery> putItem;
    std::optional<QSqlQuery> removeItem;
    std::optional<QSqlQuery> clearItems;
    std::optional<QSqlQuery> putSeq;
    std::optional<QSqlQuery> loadItems;
    std::optional<QSqlQuery> loadSeq;
    std::optional<QSqlQuery> putHistory;
    std::optional<QSqlQuery> pruneHistory;
    std::optional<QSqlQuery> clearHistory;
    std::optional<QSqlQuery> loadHistory;
    std::optional<QSqlQuery> putRemoved;
    std::optional<QSqlQuery> forgetRemoved;
    std::optional<QSqlQuery> loadRemoved;
    std::optional<QSqlQuery> putOperation;
    // QSqlDatabase::transaction()/commit() prepare their SQL anew each time:
    // a quarter of a stored command's cost.
    std::optional<QSqlQuery> begin;
    std::optional<QSqlQuery> commit;
    std::optional<QSqlQuery> rollback;

    // A full disk fails every command: the first failure is logged with its
    // reason, the rest are counted (one summary line per 10 s at most).
    LogThrottle failures{QStringLiteral("storage"), [](const QString &line, bool recovered) {
                             if (recovered)
                                 qCInfo(lcServer).noquote() << line;
                             else
                                 qCWarning(lcServer).noquote() << line;
                         }};
    qint64 defaultMaxPageCount = -1; // before setMaxPageCount() changed it

    QSqlDatabase db() const { return QSqlDatabase::database(connectionName, false); }

    bool fail(const QString &what, const QSqlError &e, QString *error)
    {
        *error = QStringLiteral("%1: %2").arg(what, e.text());
        failures.failure(*error);
        return false;
    }

    bool exec(QSqlQuery &q, const QString &what, QString *error)
    {
        if (!q.exec())
            return fail(what, q.lastError(), error);
        return true;
    }

    int batchDepth = 0; // inside SessionStore::batch(): writes join its transaction

    // Runs @p body inside one transaction; rolls back on failure.
    template<typename F>
    bool transaction(F body, QString *error)
    {
        if (batchDepth > 0)
            return body();
        if (!exec(*begin, QStringLiteral("begin transaction"), error))
            return false;
        if (!body()) {
            rollback->exec();
            return false;
        }
        if (!exec(*commit, QStringLiteral("commit"), error)) {
            rollback->exec();
            return false;
        }
        failures.success();
        return true;
    }

    bool storeSeq(const QString &session, qint64 seq, QString *error)
    {
        putSeq->bindValue(0, session);
        putSeq->bindValue(1, seq);
        return exec(*putSeq, QStringLiteral("store seq"), error);
    }

    bool storeHistory(const QString &session, qint64 seq, const QString &relayed, int length, QString *error)
    {
        if (length <= 0 || relayed.isEmpty()) // none: members got a state instead (resuming needs one too)
            return true;
        putHistory->bindValue(0, session);
        putHistory->bindValue(1, seq);
        putHistory->bindValue(2, relayed);
        if (!exec(*putHistory, QStringLiteral("store history"), error))
            return false;
        // Pruning every command would cost as much as storing it: up to 63
        // extra rows per session are harmless (the session keeps only its
        // --history when it loads them).
        if (seq % 64 != 0)
            return true;
        pruneHistory->bindValue(0, session);
        pruneHistory->bindValue(1, seq - length);
        return exec(*pruneHistory, QStringLiteral("prune history"), error);
    }
};

bool SessionStore::storeOperation(const QString &session, qint64 seq, const QByteArray &operation, QString *error)
{
    if (operation.isEmpty())
        return true;
    d->putOperation->bindValue(0, session);
    d->putOperation->bindValue(1, seq);
    d->putOperation->bindValue(2, QString::fromUtf8(operation));
    return d->exec(*d->putOperation, QStringLiteral("store operation"), error);
}

SessionStore::SessionStore() : d(std::make_unique<Private>()) {}

SessionStore::~SessionStore() { close(); }

bool SessionStore::isOpen() const { return !d->connectionName.isEmpty(); }

QString SessionStore::databasePath() const { return d->path; }

QString SessionStore::databasePathIn(const QString &dir)
{
    return QDir(dir).absoluteFilePath(QLatin1String(DatabaseFile));
}

bool SessionStore::open(const QString &dir, QString *error, OpenMode mode)
{
    close();
    const bool readOnly = mode == OpenMode::ReadOnly;
    const QString path = databasePathIn(dir);
    if (readOnly) {
        // Never create anything: a mistyped --data-dir must not become an empty store.
        if (!QFileInfo(dir).isDir()) {
            *error = QStringLiteral("data dir %1 does not exist").arg(dir);
            return false;
        }
        if (!QFileInfo::exists(path)) {
            *error = QStringLiteral("data dir %1 holds no database (no %2)").arg(dir, QLatin1String(DatabaseFile));
            return false;
        }
    } else if (!QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot open data dir %1: cannot create the directory").arg(dir);
        return false;
    }
    const bool existed = QFileInfo::exists(path);
    if (existed && !checkFile(path, dir, error))
        return false;
    const QString name = QStringLiteral("optiverse-server-%1").arg(++s_connectionCounter);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        // Only another process can hold the write lock: fail the command
        // after a second rather than stall every session for the default 5 s.
        db.setConnectOptions(readOnly ? QStringLiteral("QSQLITE_BUSY_TIMEOUT=1000;QSQLITE_OPEN_READONLY")
                                      : QStringLiteral("QSQLITE_BUSY_TIMEOUT=1000"));
        auto giveUp = [&](const QString &why) {
            *error = why;
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return false;
        };
        if (!db.open())
            return giveUp(QStringLiteral("cannot open data dir %1: %2").arg(dir, db.lastError().text()));
        if (existed) {
            QString problem;
            if (!quickCheck(db, &problem))
                return giveUp(damagedMessage(path, dir, problem));
        }
        QSqlQuery q(db);
        const char *setup[] = {
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            // A WAL that SQLite restarts is cut back to this; the checkpointer
            // truncates it long before (WalCheckpointer).
            "PRAGMA journal_size_limit=67108864",
            // What a killed process left in the WAL goes into the database now.
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS items (session_id TEXT NOT NULL, item_id TEXT NOT NULL, "
            "item_type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, item_id)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS history (session_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "message TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID",
            // Ids removed in a session, so a stale push cannot bring them back after a restart.
            "CREATE TABLE IF NOT EXISTS removed (session_id TEXT NOT NULL, item_id TEXT NOT NULL, "
            "seq INTEGER NOT NULL, PRIMARY KEY (session_id, item_id)) WITHOUT ROWID",
            // Session history: every operation kept (until --history-max-age
            // folds old ones into history_base), and named versions.
            "CREATE TABLE IF NOT EXISTS operations (session_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "data TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS history_base (session_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, "
            "items TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS versions (session_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "name TEXT NOT NULL, user_id TEXT NOT NULL, time_ms INTEGER NOT NULL, PRIMARY KEY (session_id, seq))",
            // Who owns each session: the SHA-256 of the owner's token, never the token.
            // Created here for data dirs made before owners were kept.
            "CREATE TABLE IF NOT EXISTS session_owners (session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
            "token_hash TEXT NOT NULL)",
        };
        for (const char *sql : setup) {
            if (readOnly)
                break;
            if (!q.exec(QString::fromLatin1(sql))) {
                const QString why = QStringLiteral("cannot open data dir %1: %2").arg(dir, q.lastError().text());
                q = QSqlQuery();
                return giveUp(why);
            }
        }
        auto prepare = [&db](const char *sql) {
            QSqlQuery query(db);
            query.prepare(QString::fromLatin1(sql));
            return query;
        };
        d->putItem = prepare("INSERT OR REPLACE INTO items (session_id, item_id, item_type, data) VALUES (?, ?, ?, ?)");
        d->removeItem = prepare("DELETE FROM items WHERE session_id = ? AND item_id = ?");
        d->clearItems = prepare("DELETE FROM items WHERE session_id = ?");
        d->putSeq = prepare("INSERT OR REPLACE INTO sessions (session_id, seq) VALUES (?, ?)");
        d->loadItems = prepare("SELECT item_id, item_type, data FROM items WHERE session_id = ? ORDER BY item_id");
        d->loadSeq = prepare("SELECT seq FROM sessions WHERE session_id = ?");
        d->putHistory = prepare("INSERT OR REPLACE INTO history (session_id, seq, message) VALUES (?, ?, ?)");
        d->pruneHistory = prepare("DELETE FROM history WHERE session_id = ? AND seq <= ?");
        d->clearHistory = prepare("DELETE FROM history WHERE session_id = ?");
        d->loadHistory = prepare("SELECT seq, message FROM history WHERE session_id = ? ORDER BY seq");
        d->putRemoved = prepare("INSERT OR REPLACE INTO removed (session_id, item_id, seq) VALUES (?, ?, ?)");
        d->forgetRemoved = prepare("DELETE FROM removed WHERE session_id = ? AND item_id = ?");
        d->loadRemoved = prepare("SELECT item_id FROM removed WHERE session_id = ? ORDER BY seq");
        d->putOperation = prepare("INSERT OR REPLACE INTO operations (session_id, seq, data) VALUES (?, ?, ?)");
        d->begin = prepare("BEGIN");
        d->commit = prepare("COMMIT");
        d->rollback = prepare("ROLLBACK");
    }
    d->connectionName = name;
    d->path = path;
    d->readOnly = readOnly;
    if (readOnly)
        return true;
    // Checkpoints off the event loop (see WalCheckpointer); if that thread
    // cannot start, SQLite's own checkpoints in the commits remain.
    auto checkpointer = std::make_unique<WalCheckpointer>(path);
    QString why;
    if (checkpointer->startChecked(&why)) {
        QSqlQuery q(d->db());
        if (q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")))
            d->checkpointer = std::move(checkpointer);
    } else {
        qCWarning(lcServer).noquote() << "storage: checkpoints stay in the commits:" << why;
    }
    qCInfo(lcServer).noquote() << "Storing sessions in" << path;
    return true;
}

bool SessionStore::setMaxPageCount(qint64 pages, QString *error)
{
    if (!isOpen())
        return false;
    QSqlQuery q(d->db());
    if (d->defaultMaxPageCount < 0) {
        if (!q.exec(QStringLiteral("PRAGMA max_page_count")) || !q.next())
            return d->fail(QStringLiteral("read max_page_count"), q.lastError(), error);
        d->defaultMaxPageCount = q.value(0).toLongLong();
    }
    // SQLite never sets it below the database's current size: 1 means "no
    // more pages than now", a disk that has just filled up.
    const qint64 limit = pages > 0 ? pages : d->defaultMaxPageCount;
    if (!q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(limit)))
        return d->fail(QStringLiteral("set max_page_count"), q.lastError(), error);
    return true;
}

void SessionStore::close()
{
    if (d->connectionName.isEmpty())
        return;
    d->checkpointer.reset(); // its thread ends before the database goes
    d->putItem.reset();
    d->removeItem.reset();
    d->clearItems.reset();
    d->putSeq.reset();
    d->loadItems.reset();
    d->loadSeq.reset();
    d->putHistory.reset();
    d->pruneHistory.reset();
    d->clearHistory.reset();
    d->loadHistory.reset();
    d->putRemoved.reset();
    d->forgetRemoved.reset();
    d->loadRemoved.reset();
    d->putOperation.reset();
    d->begin.reset();
    d->commit.reset();
    d->rollback.reset();
    {
        QSqlDatabase db = d->db();
        // Leaves no WAL behind (SQLite would too, as the last connection,
        // unless a reader elsewhere still had the database open).
        if (!d->readOnly)
            QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        db.close();
    }
    QSqlDatabase::removeDatabase(d->connectionName);
    d->connectionName.clear();
}

bool SessionStore::load(const QString &session, QList<StateItem> *items, qint64 *seq, QList<HistoryEntry> *history,
                        QStringList *removed, QString *error, QList<StateItem> *damagedItems)
{
    if (damagedItems)
        damagedItems->clear();
    items->clear();
    history->clear();
    removed->clear();
    *seq = 0;
    if (!isOpen())
        return true;
    d->loadSeq->bindValue(0, session);
    if (!d->exec(*d->loadSeq, QStringLiteral("load seq"), error))
        return false;
    if (d->loadSeq->next())
        *seq = d->loadSeq->value(0).toLongLong();
    d->loadSeq->finish();
    d->loadItems->bindValue(0, session);
    if (!d->exec(*d->loadItems, QStringLiteral("load items"), error))
        return false;
    while (d->loadItems->next()) {
        StateItem item{d->loadItems->value(0).toString(), d->loadItems->value(1).toString(), {}};
        QJsonParseError parse;
        const QJsonDocument doc = QJsonDocument::fromJson(d->loadItems->value(2).toByteArray(), &parse);
        // Never an empty item in its place: that would be a silent partial load.
        if (parse.error != QJsonParseError::NoError || !doc.isObject()) {
            if (!damagedItems) {
                d->loadItems->finish();
                *error = QStringLiteral("stored item %1 of session %2 is damaged (its data is not a JSON object)")
                             .arg(item.id, session);
                return false;
            }
            damagedItems->append(std::move(item));
            continue;
        }
        item.data = doc.object();
        items->append(std::move(item));
    }
    if (d->loadItems->lastError().isValid()) {
        const QSqlError e = d->loadItems->lastError();
        d->loadItems->finish();
        return d->fail(QStringLiteral("load items"), e, error);
    }
    d->loadItems->finish();
    d->loadRemoved->bindValue(0, session);
    if (!d->exec(*d->loadRemoved, QStringLiteral("load removed ids"), error))
        return false;
    while (d->loadRemoved->next())
        removed->append(d->loadRemoved->value(0).toString());
    if (d->loadRemoved->lastError().isValid()) {
        const QSqlError e = d->loadRemoved->lastError();
        d->loadRemoved->finish();
        return d->fail(QStringLiteral("load removed ids"), e, error);
    }
    d->loadRemoved->finish();
    d->loadHistory->bindValue(0, session);
    if (!d->exec(*d->loadHistory, QStringLiteral("load history"), error))
        return false;
    while (d->loadHistory->next())
        history->append({d->loadHistory->value(0).toLongLong(), d->loadHistory->value(1).toString()});
    if (d->loadHistory->lastError().isValid()) {
        // Only resume suffers: clients that miss commands get the state.
        qCWarning(lcServer).noquote() << "storage: session" << session << ": the commands kept for resume are unreadable ("
                                      << d->loadHistory->lastError().text() << "); resuming clients get the state";
        history->clear();
    }
    d->loadHistory->finish();
    // Replay needs every command from the first kept one up to seq.
    for (qsizetype i = 0; i < history->size(); ++i) {
        if (history->at(i).seq != (history->constLast().seq - (history->size() - 1 - i))) {
            history->clear();
            break;
        }
    }
    if (!history->isEmpty() && history->constLast().seq != *seq)
        history->clear();
    return true;
}

bool SessionStore::putItem(const QString &session, const StateItem &item, qint64 seq, const QString &relayed,
                           QString *error, bool wasRemoved, const QByteArray &operation)
{
    if (!isOpen())
        return true;
    return d->transaction([&] {
        d->putItem->bindValue(0, session);
        d->putItem->bindValue(1, item.id);
        d->putItem->bindValue(2, item.type);
        d->putItem->bindValue(3, QString::fromUtf8(QJsonDocument(item.data).toJson(QJsonDocument::Compact)));
        if (wasRemoved) {
            d->forgetRemoved->bindValue(0, session);
            d->forgetRemoved->bindValue(1, item.id);
            if (!d->exec(*d->forgetRemoved, QStringLiteral("forget removed id"), error))
                return false;
        }
        return d->exec(*d->putItem, QStringLiteral("store item"), error) && d->storeSeq(session, seq, error)
            && d->storeHistory(session, seq, relayed, m_historyLength, error)
            && storeOperation(session, seq, operation, error);
    }, error);
}

bool SessionStore::repairItem(const QString &session, const StateItem &item, QString *error)
{
    if (!isOpen())
        return true;
    d->putItem->bindValue(0, session);
    d->putItem->bindValue(1, item.id);
    d->putItem->bindValue(2, item.type);
    d->putItem->bindValue(3, QString::fromUtf8(QJsonDocument(item.data).toJson(QJsonDocument::Compact)));
    return d->exec(*d->putItem, QStringLiteral("repair item"), error);
}

bool SessionStore::removeItem(const QString &session, const QString &itemId, qint64 seq, const QString &relayed,
                              QString *error, const QByteArray &operation)
{
    if (!isOpen())
        return true;
    return d->transaction([&] {
        d->removeItem->bindValue(0, session);
        d->removeItem->bindValue(1, itemId);
        d->putRemoved->bindValue(0, session);
        d->putRemoved->bindValue(1, itemId);
        d->putRemoved->bindValue(2, seq);
        return d->exec(*d->removeItem, QStringLiteral("remove item"), error)
            && d->exec(*d->putRemoved, QStringLiteral("remember removed id"), error) && d->storeSeq(session, seq, error)
            && d->storeHistory(session, seq, relayed, m_historyLength, error)
            && storeOperation(session, seq, operation, error);
    }, error);
}

bool SessionStore::replaceAll(const QString &session, const QList<StateItem> &items, qint64 seq, QString *error,
                              const QByteArray &operation)
{
    if (!isOpen())
        return true;
    return d->transaction([&] {
        d->clearItems->bindValue(0, session);
        if (!d->exec(*d->clearItems, QStringLiteral("clear items"), error))
            return false;
        d->clearHistory->bindValue(0, session);
        if (!d->exec(*d->clearHistory, QStringLiteral("clear history"), error))
            return false;
        for (const StateItem &item : items) {
            d->putItem->bindValue(0, session);
            d->putItem->bindValue(1, item.id);
            d->putItem->bindValue(2, item.type);
            d->putItem->bindValue(3, QString::fromUtf8(QJsonDocument(item.data).toJson(QJsonDocument::Compact)));
            if (!d->exec(*d->putItem, QStringLiteral("store item"), error))
                return false;
        }
        return d->storeSeq(session, seq, error) && storeOperation(session, seq, operation, error);
    }, error);
}

// --- Session history ---------------------------------------------

bool SessionStore::loadOperations(const QString &session, std::vector<HistoryOperation> *operations,
                                  QList<OperationLog::Version> *versions, QString *error, QList<qint64> *unreadable)
{
    operations->clear();
    if (unreadable)
        unreadable->clear();
    versions->clear();
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT seq, data FROM operations WHERE session_id = ? ORDER BY seq"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("load operations"), error))
        return false;
    while (q.next()) {
        HistoryOperation op;
        QString why;
        const QJsonDocument doc = QJsonDocument::fromJson(q.value(1).toByteArray());
        if (!HistoryOperation::fromJson(doc.object(), &op, &why) || op.seq != q.value(0).toLongLong()) {
            if (unreadable) {
                unreadable->append(q.value(0).toLongLong());
                continue;
            }
            *error = QStringLiteral("stored operation %1 of session %2 is unreadable: %3")
                         .arg(q.value(0).toLongLong()).arg(session, why);
            return false;
        }
        operations->push_back(std::move(op));
    }
    if (q.lastError().isValid())
        return d->fail(QStringLiteral("load operations"), q.lastError(), error);
    q.finish();
    q.prepare(QStringLiteral("SELECT seq, name, user_id, time_ms FROM versions WHERE session_id = ? ORDER BY seq"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("load versions"), error))
        return false;
    while (q.next())
        versions->append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong()});
    return true;
}

bool SessionStore::loadBase(const QString &session, qint64 *seq, QList<StateItem> *items, QString *error)
{
    *seq = 0;
    if (items)
        items->clear();
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.prepare(items ? QStringLiteral("SELECT seq, items FROM history_base WHERE session_id = ?")
                    : QStringLiteral("SELECT seq FROM history_base WHERE session_id = ?"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("load history base"), error))
        return false;
    if (!q.next())
        return true;
    *seq = q.value(0).toLongLong();
    if (!items)
        return true;
    const QJsonArray list = QJsonDocument::fromJson(q.value(1).toByteArray()).array();
    for (const QJsonValue &v : list) {
        StateItem item;
        QString why;
        if (!StateItem::fromJson(v.toObject(), &item, &why)) {
            *error = QStringLiteral("stored history base of session %1 is unreadable: %2").arg(session, why);
            return false;
        }
        items->append(std::move(item));
    }
    return true;
}

bool SessionStore::compact(const QString &session, qint64 seq, const QList<StateItem> &base, QString *error)
{
    if (!isOpen())
        return true;
    QJsonArray list;
    for (const StateItem &item : base)
        list.append(item.toJson());
    return d->transaction([&] {
        QSqlQuery q(d->db());
        q.prepare(QStringLiteral("INSERT OR REPLACE INTO history_base (session_id, seq, items) VALUES (?, ?, ?)"));
        q.bindValue(0, session);
        q.bindValue(1, seq);
        q.bindValue(2, QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact)));
        if (!d->exec(q, QStringLiteral("store history base"), error))
            return false;
        QSqlQuery del(d->db());
        del.prepare(QStringLiteral("DELETE FROM operations WHERE session_id = ? AND seq <= ?"));
        del.bindValue(0, session);
        del.bindValue(1, seq);
        if (!d->exec(del, QStringLiteral("compact operations"), error))
            return false;
        del.prepare(QStringLiteral("DELETE FROM versions WHERE session_id = ? AND seq < ?"));
        del.bindValue(0, session);
        del.bindValue(1, seq);
        return d->exec(del, QStringLiteral("compact versions"), error);
    }, error);
}

bool SessionStore::putVersion(const QString &session, const OperationLog::Version &version, QString *error)
{
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO versions (session_id, seq, name, user_id, time_ms) "
                             "VALUES (?, ?, ?, ?, ?)"));
    q.bindValue(0, session);
    q.bindValue(1, version.seq);
    q.bindValue(2, version.name);
    q.bindValue(3, version.userId);
    q.bindValue(4, version.timeMs);
    return d->exec(q, QStringLiteral("store version"), error);
}

bool SessionStore::putOwner(const QString &session, const QString &userId, const QByteArray &tokenHash, QString *error)
{
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO session_owners (session_id, user_id, token_hash) VALUES (?, ?, ?)"));
    q.bindValue(0, session);
    q.bindValue(1, userId);
    q.bindValue(2, QString::fromLatin1(tokenHash));
    return d->exec(q, QStringLiteral("store owner"), error);
}

bool SessionStore::loadOwner(const QString &session, QString *userId, QByteArray *tokenHash, QString *error)
{
    userId->clear();
    tokenHash->clear();
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.prepare(QStringLiteral("SELECT user_id, token_hash FROM session_owners WHERE session_id = ?"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("load owner"), error))
        return false;
    if (q.next()) {
        *userId = q.value(0).toString();
        *tokenHash = q.value(1).toString().toLatin1();
    }
    return true;
}

bool SessionStore::operationRange(const QString &session, qint64 *count, qint64 *first, qint64 *last,
                                  QString *error)
{
    *count = 0;
    *first = *last = -1;
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.prepare(QStringLiteral("SELECT COUNT(*), MIN(seq), MAX(seq) FROM operations WHERE session_id = ?"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("count operations"), error))
        return false;
    if (q.next() && q.value(0).toLongLong() > 0) {
        *count = q.value(0).toLongLong();
        *first = q.value(1).toLongLong();
        *last = q.value(2).toLongLong();
    }
    return true;
}

bool SessionStore::forEachOperation(const QString &session, const std::function<bool(const QByteArray &)> &visit,
                                    QString *error)
{
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT data FROM operations WHERE session_id = ? ORDER BY seq"));
    q.bindValue(0, session);
    if (!d->exec(q, QStringLiteral("read operations"), error))
        return false;
    while (q.next())
        if (!visit(q.value(0).toByteArray()))
            return true;
    // A damaged page ends next() like the end of the rows: never a short export.
    if (q.lastError().isValid())
        return d->fail(QStringLiteral("read operations"), q.lastError(), error);
    return true;
}

bool SessionStore::forEachOperationBefore(const QString &session, qint64 beforeSeq, int maxRows,
                                          const std::function<bool(qint64, const QByteArray &)> &visit,
                                          QString *error)
{
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT seq, data FROM operations WHERE session_id = ? AND seq < ? "
                             "ORDER BY seq DESC LIMIT ?"));
    q.bindValue(0, session);
    q.bindValue(1, beforeSeq);
    q.bindValue(2, maxRows);
    if (!d->exec(q, QStringLiteral("read operations"), error))
        return false;
    while (q.next())
        if (!visit(q.value(0).toLongLong(), q.value(1).toByteArray()))
            break;
    return true;
}

bool SessionStore::batch(const std::function<bool()> &body, QString *error)
{
    if (!isOpen())
        return body();
    if (d->batchDepth > 0)
        return body();
    return d->transaction([&] {
        ++d->batchDepth; // the writes of the body join this transaction
        const bool ok = body();
        --d->batchDepth;
        return ok;
    }, error);
}

bool SessionStore::sessionIds(QStringList *ids, QString *error)
{
    ids->clear();
    if (!isOpen())
        return true;
    QSqlQuery q(d->db());
    if (!q.exec(QStringLiteral("SELECT session_id FROM sessions ORDER BY session_id")))
        return d->fail(QStringLiteral("list sessions"), q.lastError(), error);
    while (q.next())
        ids->append(q.value(0).toString());
    return true;
}

} // namespace Optiverse::Collab
