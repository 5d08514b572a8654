// SPDX-License-Identifier: MIT
// Damaged data files with the real optiverse-collab-server: every case is
// loud (a refused start naming the file and --salvage, a log line saying
// what is missing, an error to the joiner), never a silent partial load.
// The database is damaged for real: garbage written over a page of the
// SQLite file, or rows changed behind the server's back.
#include "TestSupport.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "ServerProcess.h"
#include "StoredSession.h"

using namespace TestSupport;

namespace {

constexpr int Items = 40;
constexpr int Moves = 960; // seq 1..1000

int runWithin5s(const QStringList &args, QByteArray *printed)
{
    QProcess p;
    p.start(ServerProcess::executable(), args);
    if (!p.waitForFinished(5000)) {
        p.kill();
        p.waitForFinished(5000);
        return -1000;
    }
    *printed = p.readAllStandardOutput() + p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

/// Runs @p sql on the data dir's database behind the server's back.
bool tamper(const QString &dir, const QString &sql)
{
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(StoredSession::databasePath(dir));
        ok = db.open() && QSqlQuery(db).exec(sql);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    return ok;
}

/// Overwrites a leaf page of @p table's b-tree (one in the middle) with
/// garbage; @p firstSeq/@p lastSeq get the seqs it held (tables keyed by seq).
bool garbageLeafPage(const QString &dir, const QString &table, qint64 *firstSeq, qint64 *lastSeq)
{
    const QString path = StoredSession::databasePath(dir);
    int root = 0, pageSize = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("pages"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("PRAGMA page_size")) && q.next())
                pageSize = q.value(0).toInt();
            q.prepare(QStringLiteral("SELECT rootpage FROM sqlite_master WHERE name = ?"));
            q.bindValue(0, table);
            if (q.exec() && q.next())
                root = q.value(0).toInt();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pages"));
    if (QFileInfo(path + QLatin1String("-wal")).size() > 0 || root < 2 || pageSize < 512) {
        qWarning() << "no page to damage: WAL not empty, or root" << root << "page size" << pageSize;
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return false;
    auto page = [&](int n) {
        file.seek(qint64(n - 1) * pageSize);
        return file.read(pageSize);
    };
    auto u16 = [](const QByteArray &b, int at) { return (uchar(b[at]) << 8) | uchar(b[at + 1]); };
    auto u32 = [](const QByteArray &b, int at) {
        return (quint32(uchar(b[at])) << 24) | (quint32(uchar(b[at + 1])) << 16) | (quint32(uchar(b[at + 2])) << 8)
            | quint32(uchar(b[at + 3]));
    };
    // Down the middle child of each interior page (0x02: interior index
    // page, as WITHOUT ROWID tables are) to a leaf (0x0a).
    int n = root;
    QByteArray bytes = page(n);
    while (uchar(bytes[0]) == 0x02) {
        const int cells = u16(bytes, 3);
        const int cell = u16(bytes, 12 + 2 * (cells / 2));
        n = int(u32(bytes, cell));
        bytes = page(n);
    }
    if (uchar(bytes[0]) != 0x0a) {
        qWarning() << "unexpected page type" << uchar(bytes[0]);
        return false;
    }
    // Which seqs that leaf holds, read before it goes: a record is
    // (header size, serial types…, session_id, seq, …); the first cell's and
    // last cell's seq are enough for a contiguous table.
    auto seqOfCell = [&](int cell) -> qint64 {
        int at = cell;
        auto varint = [&]() {
            qint64 v = 0;
            for (int i = 0; i < 9; ++i) {
                const uchar c = uchar(bytes[at++]);
                v = (v << 7) | (c & 0x7f);
                if (!(c & 0x80))
                    break;
            }
            return v;
        };
        varint(); // payload size
        const int headerStart = at;
        const qint64 headerSize = varint();
        const qint64 textType = varint(); // session_id: text, (t - 13) / 2 bytes
        const qint64 seqType = varint();  // 1..6: big-endian integer of 1, 2, 3, 4, 6, 8 bytes
        at = headerStart + int(headerSize) + int((textType - 13) / 2);
        static const int sizes[] = {0, 1, 2, 3, 4, 6, 8};
        qint64 v = 0;
        for (int i = 0; i < sizes[seqType]; ++i)
            v = (v << 8) | uchar(bytes[at + i]);
        return v;
    };
    const int cells = u16(bytes, 3);
    *firstSeq = seqOfCell(u16(bytes, 8));
    *lastSeq = seqOfCell(u16(bytes, 8 + 2 * (cells - 1)));
    file.seek(qint64(n - 1) * pageSize);
    return file.write(QByteArray(pageSize, char(0xa5))) == pageSize && file.flush();
}

/// The session's live items as uuid -> x_mm.
QMap<QString, double> xOf(const QJsonObject &fullState)
{
    QMap<QString, double> x;
    for (const QJsonValue &v : fullState.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray())
        x.insert(v.toObject().value(QLatin1String("uuid")).toString(), v.toObject().value(QLatin1String("x_mm")).toDouble());
    return x;
}
QMap<QString, double> xOf(const QMap<QString, QJsonObject> &scene)
{
    QMap<QString, double> x;
    for (auto it = scene.cbegin(); it != scene.cend(); ++it)
        x.insert(it.key(), it->value(QLatin1String("x_mm")).toDouble());
    return x;
}

} // namespace

class TestServerDamaged : public QObject
{
    Q_OBJECT

    /// Joins @p server's session lab and returns its full state.
    static QJsonObject stateOf(const ServerProcess &server)
    {
        Client c;
        c.open(server.port(), QStringLiteral("lab"), QStringLiteral("bob"));
        if (!c.waitConnected())
            return {};
        c.send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        if (!c.waitFor(QStringLiteral("sync:full_state")))
            return {};
        return c.last(QStringLiteral("sync:full_state"));
    }
    /// A history:page of @p server's session lab: the newest 500, or those before @p beforeSeq.
    static QJsonObject historyOf(const ServerProcess &server, qint64 beforeSeq = -1)
    {
        Client c;
        c.open(server.port(), QStringLiteral("lab"), QStringLiteral("carol"));
        if (!c.waitConnected())
            return {};
        QJsonObject request{{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("limit"), 500}};
        if (beforeSeq >= 0)
            request.insert(QLatin1String("before_seq"), beforeSeq);
        c.send(request);
        if (!c.waitFor(QStringLiteral("history:page")))
            return {};
        return c.last(QStringLiteral("history:page"));
    }

private slots:
    void emptyDatabaseFile()
    {
        QTemporaryDir dir;
        QFile empty(StoredSession::databasePath(dir.path()));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        QByteArray printed;
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--port"), QStringLiteral("0")}, &printed), 1);
        QVERIFY2(printed.contains(StoredSession::databasePath(dir.path()).toUtf8()) && printed.contains("is empty (0 bytes)"),
                 printed.constData());
        QVERIFY(!printed.contains("Ready."));
        QCOMPARE(QFileInfo(empty.fileName()).size(), 0); // not made into an empty store
    }

    void notADatabase()
    {
        QTemporaryDir dir;
        QFile foreign(StoredSession::databasePath(dir.path()));
        QVERIFY(foreign.open(QIODevice::WriteOnly));
        foreign.write(QByteArray("these are not the sessions you are looking for\n").repeated(100));
        foreign.close();
        QByteArray printed;
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--port"), QStringLiteral("0")}, &printed), 1);
        QVERIFY2(printed.contains("is not a SQLite database") && printed.contains("--salvage"), printed.constData());
    }

    // A garbage page in the session history: the start is refused with the
    // file and the salvage command; --salvage copies the rest into a new data
    // dir, says what was lost, and that dir serves the whole scene with the
    // history that follows the lost page.
    void garbagePageInHistoryThenSalvage()
    {
        QTemporaryDir dir;
        const QMap<QString, QJsonObject> scene = StoredSession::write(dir.path(), QStringLiteral("lab"), Items, Moves);
        QVERIFY(!scene.isEmpty());
        qint64 first = 0, last = 0;
        QVERIFY(garbageLeafPage(dir.path(), QStringLiteral("operations"), &first, &last));
        QVERIFY2(first > 1 && last < Items + Moves && first <= last, qPrintable(QStringLiteral("%1-%2").arg(first).arg(last)));

        QByteArray printed;
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--port"), QStringLiteral("0")}, &printed), 1);
        const QByteArray command = "optiverse-collab-server --data-dir " + dir.path().toUtf8() + " --salvage NEWDIR";
        QVERIFY2(printed.contains(StoredSession::databasePath(dir.path()).toUtf8()) && printed.contains("is damaged")
                     && printed.contains(command) && !printed.contains("Ready."),
                 printed.constData());

        const QString newDir = dir.filePath(QStringLiteral("salvaged"));
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--salvage"), newDir}, &printed), 0);
        const QByteArray lost = QStringLiteral("operations: seq %1-%2 unreadable").arg(first).arg(last).toUtf8();
        QVERIFY2(printed.contains(lost) && printed.contains("Session lab:")
                     && printed.contains(QStringLiteral("operations: %1 row(s) copied, %2 lost")
                                             .arg(Items + Moves - (last - first + 1)).arg(last - first + 1).toUtf8()),
                 printed.constData());
        // Not twice into the same place.
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--salvage"), newDir}, &printed), 1);
        QVERIFY2(printed.contains("already holds a database"), printed.constData());

        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--data-dir"), newDir}));
        const QJsonObject state = stateOf(server);
        QCOMPARE(state.value(QLatin1String("seq")).toInteger(), Items + Moves);
        QCOMPARE(xOf(state), xOf(scene));
        // The history starts right after the lost page.
        const QJsonObject page = historyOf(server, last + 11);
        QCOMPARE(page.value(QLatin1String("entries")).toArray().size(), 10);
        QCOMPARE(page.value(QLatin1String("next_before_seq")).toInteger(), -1);
        QCOMPARE(page.value(QLatin1String("base_seq")).toInteger(), last);
        QTRY_VERIFY2(server.log().contains(QStringLiteral("session lab: history before seq %1 is missing (operation %2 is "
                                                          "missing from the store)").arg(last + 1).arg(last).toUtf8()),
                     server.log().constData());
    }

    void damagedItemIsRebuiltFromItsHistory()
    {
        QTemporaryDir dir;
        const QMap<QString, QJsonObject> scene = StoredSession::write(dir.path(), QStringLiteral("lab"), Items, Moves);
        QVERIFY(tamper(dir.path(), QStringLiteral("UPDATE items SET data = '{\"x_mm\": 12, \"focal' WHERE item_id = 'item-007'")));
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--data-dir"), dir.path()}));
        const QJsonObject state = stateOf(server);
        QCOMPARE(xOf(state), xOf(scene)); // item-007 as its last move left it, not empty
        QVERIFY2(server.log().contains("session lab : stored item item-007 was damaged; rebuilt from its history"),
                 server.log().constData());
        // Written back: the next start finds it whole.
        server.stop();
        ServerProcess again;
        QVERIFY(again.start({QStringLiteral("--data-dir"), dir.path()}));
        QCOMPARE(xOf(stateOf(again)), xOf(scene));
        QVERIFY(!again.log().contains("was damaged"));
    }

    void damagedItemWithoutHistoryRefusesTheSession()
    {
        QTemporaryDir dir;
        QVERIFY(!StoredSession::write(dir.path(), QStringLiteral("lab"), Items, Moves).isEmpty());
        QVERIFY(!StoredSession::write(dir.path(), QStringLiteral("other"), 3, 0).isEmpty());
        QVERIFY(tamper(dir.path(), QStringLiteral("UPDATE items SET data = 'garbage' WHERE item_id = 'item-007' AND session_id = 'lab'")));
        QVERIFY(tamper(dir.path(), QStringLiteral("DELETE FROM operations WHERE session_id = 'lab' AND seq < 900")));
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--data-dir"), dir.path()}));
        Client c;
        c.open(server.port(), QStringLiteral("lab"), QStringLiteral("bob"));
        QVERIFY(c.waitFor(QStringLiteral("error")));
        const QJsonObject error = c.last(QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("code")).toString(), QStringLiteral("storage_failed"));
        QVERIFY2(error.value(QLatin1String("message")).toString().contains(QLatin1String("stored item item-007 is damaged")),
                 qPrintable(error.value(QLatin1String("message")).toString()));
        QVERIFY(c.waitDisconnected());
        QVERIFY2(server.log().contains("session lab : cannot load: stored item item-007 is damaged")
                     && server.log().contains("--salvage NEWDIR"),
                 server.log().constData());
        // The other session of the same store is untouched.
        Client o;
        o.open(server.port(), QStringLiteral("other"), QStringLiteral("bob"));
        QVERIFY(o.waitConnected());
    }

    void lastOperationRowMissing()
    {
        QTemporaryDir dir;
        const QMap<QString, QJsonObject> scene = StoredSession::write(dir.path(), QStringLiteral("lab"), Items, Moves);
        QVERIFY(tamper(dir.path(), QStringLiteral("DELETE FROM operations WHERE seq = %1").arg(Items + Moves)));
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--data-dir"), dir.path()}));
        QCOMPARE(xOf(stateOf(server)), xOf(scene));
        QTRY_VERIFY2(server.log().contains(QStringLiteral("session lab: history before seq %1 is missing (operation %2 is "
                                                          "missing from the store)").arg(Items + Moves + 1).arg(Items + Moves).toUtf8()),
                     server.log().constData());
        const QJsonObject page = historyOf(server);
        QCOMPARE(page.value(QLatin1String("entries")).toArray().size(), 0);
        QCOMPARE(page.value(QLatin1String("base_seq")).toInteger(), Items + Moves);
    }

    void oneUnreadableOperationRow()
    {
        QTemporaryDir dir;
        const QMap<QString, QJsonObject> scene = StoredSession::write(dir.path(), QStringLiteral("lab"), Items, Moves);
        QVERIFY(tamper(dir.path(), QStringLiteral("UPDATE operations SET data = '{\"seq\": 500, \"chan' WHERE seq = 500")));
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--data-dir"), dir.path()}));
        QCOMPARE(xOf(stateOf(server)), xOf(scene)); // everyone joins: the scene is intact
        QTRY_VERIFY2(server.log().contains("session lab: history before seq 501 is missing (stored operation 500 is "
                                           "unreadable; 1 unreadable stored operation(s) skipped)"),
                     server.log().constData());
        // Pages are capped in bytes: the history is read page after page.
        qsizetype entries = 0;
        QJsonObject page = historyOf(server);
        for (int pages = 0; pages < 10; ++pages) {
            entries += page.value(QLatin1String("entries")).toArray().size();
            const qint64 next = page.value(QLatin1String("next_before_seq")).toInteger();
            if (next < 0)
                break;
            page = historyOf(server, next);
        }
        QCOMPARE(entries, Items + Moves - 500);
        QCOMPARE(page.value(QLatin1String("next_before_seq")).toInteger(), -1);
        QCOMPARE(page.value(QLatin1String("base_seq")).toInteger(), 500);
        QCOMPARE(page.value(QLatin1String("history_starts")).toObject().value(QLatin1String("reason")).toString(),
                 QStringLiteral("damaged"));
    }
};

QTEST_GUILESS_MAIN(TestServerDamaged)
#include "tst_server_damaged.moc"
