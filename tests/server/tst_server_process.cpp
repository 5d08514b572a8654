// SPDX-License-Identifier: MIT
// The real optiverse-collab-server executable: command line, exit codes,
// SIGTERM shutdown, and durability across kill -9 with --data-dir.
#include "TestSupport.h"

#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "ServerProcess.h"
#include "StoredSession.h"

#include <QFileInfo>
#include <memory>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using namespace TestSupport;

namespace {

// Runs the server to its exit, which must come within 5 s (a trap that
// starts a server instead never exits: -1000). @p printed gets stdout and
// stderr; @p stdoutFile, when given, takes stdout instead.
int runWithin5s(const QStringList &args, QByteArray *printed, const QString &stdoutFile = {})
{
    QProcess p;
    if (!stdoutFile.isEmpty())
        p.setStandardOutputFile(stdoutFile);
    p.start(ServerProcess::executable(), args);
    if (!p.waitForFinished(5000)) {
        p.kill();
        p.waitForFinished(5000);
        *printed = p.readAllStandardOutput() + p.readAllStandardError();
        return -1000;
    }
    *printed = p.readAllStandardOutput() + p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

bool isFullDevice()
{
    struct stat st = {};
    return ::stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode);
}

} // namespace

class TestServerProcess : public QObject
{
    Q_OBJECT

private slots:
    void printsAddressAndUrls()
    {
        ServerProcess server;
        QVERIFY(server.start({}));
        QVERIFY(server.output().contains("Optiverse collaboration server listening on 127.0.0.1:"));
        QVERIFY(server.output().contains(QByteArray("ws://127.0.0.1:" + QByteArray::number(server.port()))));
    }

    void debugLoggingOnlyWithFlag()
    {
        for (const bool debug : {false, true}) {
            ServerProcess server;
            QVERIFY(server.start(debug ? QStringList{QStringLiteral("--debug")} : QStringList{}));
            Client a;
            a.open(server.port(), QStringLiteral("s"), QStringLiteral("a"));
            QVERIFY(a.waitConnected());
            a.send(command(QStringLiteral("add_item"), QStringLiteral("logged"), {}));
            QVERIFY(a.waitFor(QStringLiteral("command")));
            server.terminate();
            QTRY_COMPARE_WITH_TIMEOUT(server.isRunning(), false, 5000);
            const QByteArray err = server.log(); // stdout, the banner, never names a command
            QCOMPARE(err.contains("add_item logged"), debug);
        }
    }

    void badArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port text") << QStringList{QStringLiteral("--port"), QStringLiteral("abc")} << QStringLiteral("--port");
        QTest::newRow("port range") << QStringList{QStringLiteral("--port"), QStringLiteral("70000")} << QStringLiteral("--port");
        QTest::newRow("host") << QStringList{QStringLiteral("--host"), QStringLiteral("not an ip")} << QStringLiteral("--host");
        QTest::newRow("max users") << QStringList{QStringLiteral("--max-users"), QStringLiteral("0")} << QStringLiteral("--max-users");
        QTest::newRow("rate") << QStringList{QStringLiteral("--max-rate"), QStringLiteral("-5")} << QStringLiteral("--max-rate");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << QStringLiteral("frobnicate");
    }

    void badArguments()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QByteArray err;
        QCOMPARE(ServerProcess::runToExit(args, &err), 1);
        QVERIFY2(QString::fromUtf8(err).contains(mentions), err.constData());
    }

    // An export that cannot do what it was asked exits 1 at once with one
    // line saying why: never a server listening, never an empty database,
    // never "Exported" after a failed write.
    void exportTraps_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("stdoutFile");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty session") << QStringList{QStringLiteral("--export"), QString(), QStringLiteral("out.jsonl")}
                                       << QString() << QStringLiteral("empty session name");
        QTest::newRow("empty file") << QStringList{QStringLiteral("--export"), QStringLiteral("lab"), QString()} << QString()
                                    << QStringLiteral("empty file name");
        QTest::newRow("unknown session") << QStringList{QStringLiteral("--export"), QStringLiteral("nosuch"), QStringLiteral("out.jsonl")}
                                         << QString() << QStringLiteral("no session \"nosuch\"");
        QTest::newRow("full disk") << QStringList{QStringLiteral("--export"), QStringLiteral("lab"), QStringLiteral("/dev/full")}
                                   << QString() << QStringLiteral("No space left on device");
        QTest::newRow("stdout on a full disk") << QStringList{QStringLiteral("--export"), QStringLiteral("lab"), QStringLiteral("-")}
                                               << QStringLiteral("/dev/full") << QStringLiteral("No space left on device");
    }
    void exportTraps()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, stdoutFile);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        QVERIFY(!StoredSession::write(dir.path(), QStringLiteral("lab"), 20, 180).isEmpty());
        if (args.constLast() == QLatin1String("out.jsonl"))
            args.last() = dir.filePath(QStringLiteral("out.jsonl"));
        if (args.contains(QLatin1String("/dev/full")) || stdoutFile == QLatin1String("/dev/full")) {
            if (!isFullDevice())
                QSKIP("no /dev/full here");
        }
        QByteArray printed;
        const int code = runWithin5s(QStringList{QStringLiteral("--data-dir"), dir.path()} + args, &printed, stdoutFile);
        // As root, a QSaveFile export renamed a regular file over /dev/full:
        // put the device back before failing.
        if (!isFullDevice() && ::getuid() == 0) {
            QFile::remove(QStringLiteral("/dev/full"));
            ::mknod("/dev/full", S_IFCHR | 0666, makedev(1, 7));
            ::chmod("/dev/full", 0666); // mknod applies the umask
            QFAIL("the export replaced /dev/full by a regular file (put back)");
        }
        QCOMPARE(code, 1);
        QVERIFY2(QString::fromUtf8(printed).contains(mentions), printed.constData());
        QVERIFY2(!printed.contains("Exported") && !printed.contains("Ready."), printed.constData());
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("out.jsonl"))));
    }

    void exportNeedsAnExistingDatabase()
    {
        QTemporaryDir parent;
        for (const QString &dataDir : {parent.filePath(QStringLiteral("missing")), parent.path()}) {
            QByteArray printed;
            QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dataDir, QStringLiteral("--export"), QStringLiteral("lab"),
                                  parent.filePath(QStringLiteral("out.jsonl"))},
                                 &printed),
                     1);
            QVERIFY2(printed.contains(dataDir.toUtf8()) && (printed.contains("does not exist") || printed.contains("holds no database")),
                     printed.constData());
        }
        // Nothing created: neither the directory nor an empty database.
        QVERIFY(!QFileInfo::exists(parent.filePath(QStringLiteral("missing"))));
        QVERIFY(!QFileInfo::exists(StoredSession::databasePath(parent.path())));
    }

    void exportWritesTheWholeSession()
    {
        QTemporaryDir dir;
        QVERIFY(!StoredSession::write(dir.path(), QStringLiteral("lab"), 20, 180).isEmpty());
        const QString file = dir.filePath(QStringLiteral("lab.jsonl"));
        QByteArray printed;
        QCOMPARE(runWithin5s({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--export"), QStringLiteral("lab"), file},
                             &printed),
                 0);
        QVERIFY2(printed.contains("Exported 200 operation(s)"), printed.constData());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 201); // the header and every operation
    }

    void portInUse()
    {
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress(QHostAddress::LocalHost), 0));
        QByteArray err;
        const QStringList args{QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                               QString::number(blocker.serverPort())};
        QCOMPARE(ServerProcess::runToExit(args, &err), 2);
        QVERIFY2(err.contains("already in use"), err.constData());
    }

    void sigtermClosesClientsWith1001()
    {
        ServerProcess server;
        QVERIFY(server.start({}));
        Client a, b;
        a.open(server.port(), QStringLiteral("s"), QStringLiteral("a"));
        b.open(server.port(), QStringLiteral("t"), QStringLiteral("b"), QByteArray());
        QVERIFY(a.waitConnected());
        QVERIFY(b.waitConnected());
        QElapsedTimer clock;
        clock.start();
        server.terminate();
        QVERIFY(a.waitDisconnected());
        QVERIFY(b.waitDisconnected());
        QCOMPARE(a.closeCode, 1001);
        QCOMPARE(b.closeCode, 1001);
        // (waitForFinished() is false for a process that already finished)
        QTRY_COMPARE_WITH_TIMEOUT(server.isRunning(), false, 5000);
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.exitCode(), 0);
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    }

    void durableAcrossKill9()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QStringList args{QStringLiteral("--data-dir"), dir.path()};
        qint64 lastAcked = 0;
        QMap<QString, double> expectedX;
        {
            ServerProcess server;
            QVERIFY(server.start(args));
            Client a;
            a.open(server.port(), QStringLiteral("durable"), QStringLiteral("a"));
            QVERIFY(a.waitConnected());
            Client other; // another session must not leak into this one
            other.open(server.port(), QStringLiteral("elsewhere"), QStringLiteral("o"));
            QVERIFY(other.waitConnected());
            other.send(command(QStringLiteral("add_item"), QStringLiteral("foreign"), {}));
            int sent = 0;
            for (int i = 0; i < 100; ++i, ++sent) {
                const QString id = QStringLiteral("item-%1").arg(i, 3, 10, QLatin1Char('0'));
                a.send(command(QStringLiteral("add_item"), id, {{QLatin1String("x_mm"), i}}, QStringLiteral("lens"), sent));
                expectedX.insert(id, i);
            }
            for (int i = 0; i < 100; i += 3, ++sent) {
                const QString id = QStringLiteral("item-%1").arg(i, 3, 10, QLatin1Char('0'));
                a.send(command(QStringLiteral("move_item"), id, {{QLatin1String("x_mm"), 1000 + i}}, QStringLiteral("lens"), sent));
                expectedX.insert(id, 1000 + i);
            }
            for (int i = 1; i < 100; i += 10, ++sent) {
                const QString id = QStringLiteral("item-%1").arg(i, 3, 10, QLatin1Char('0'));
                a.send(command(QStringLiteral("remove_item"), id, {}, QStringLiteral("lens"), sent));
                expectedX.remove(id);
            }
            // Every command acknowledged (echoed with seq)...
            QVERIFY(a.waitFor(QStringLiteral("command"), sent, 15000));
            QVERIFY(other.waitFor(QStringLiteral("command")));
            lastAcked = a.commandSeqs().last();
            QCOMPARE(lastAcked, qint64(sent));
            // ...then the process dies without any chance to flush.
            server.kill(); // SIGKILL
            QTRY_COMPARE_WITH_TIMEOUT(server.isRunning(), false, 5000);
            QCOMPARE(server.exitStatus(), QProcess::CrashExit);
        }
        ServerProcess restarted;
        QVERIFY(restarted.start(args));
        Client b;
        b.open(restarted.port(), QStringLiteral("durable"), QStringLiteral("b"));
        QVERIFY(b.waitConnected());
        QCOMPARE(b.ack().value(QLatin1String("seq")).toInteger(), lastAcked);
        // The commands kept for resume survived too: the last ten are replayed.
        b.send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}, {QLatin1String("since"), lastAcked - 10}});
        QVERIFY(b.waitFor(QStringLiteral("sync:caught_up")));
        QCOMPARE(b.commandSeqs().size(), 10);
        QCOMPARE(b.commandSeqs().constLast(), lastAcked);
        b.send(QJsonObject{{QLatin1String("type"), QLatin1String("sync:request")}});
        QVERIFY(b.waitFor(QStringLiteral("sync:full_state")));
        const QJsonObject state = b.last(QStringLiteral("sync:full_state"));
        QCOMPARE(state.value(QLatin1String("seq")).toInteger(), lastAcked);
        QMap<QString, double> actualX;
        for (const QJsonValue &v : state.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray()) {
            const QJsonObject item = v.toObject();
            QCOMPARE(item.value(QLatin1String("item_type")).toString(), QStringLiteral("lens"));
            actualX.insert(item.value(QLatin1String("uuid")).toString(), item.value(QLatin1String("x_mm")).toDouble());
        }
        QCOMPARE(actualX, expectedX);
        // Continues the sequence where it stopped.
        b.send(command(QStringLiteral("add_item"), QStringLiteral("new"), {}));
        QVERIFY(b.waitFor(QStringLiteral("command"), 11));
        QCOMPARE(b.last(QStringLiteral("command")).value(QLatin1String("seq")).toInteger(), lastAcked + 1);
        // An original client joining gets the persisted state pushed.
        Client o;
        o.open(restarted.port(), QStringLiteral("durable"), QStringLiteral("o"), QByteArray());
        QVERIFY(o.waitFor(QStringLiteral("sync:full_state")));
    }
};

QTEST_GUILESS_MAIN(TestServerProcess)
#include "tst_server_process.moc"
