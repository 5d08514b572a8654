// SPDX-License-Identifier: MIT
// Limits of CollabServer: message size, rate, users per session, path,
// Origin, slow readers, keepalive and handshake timeouts.
#include "ServerFixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace TestSupport;
using Optiverse::Collab::ServerConfig;

namespace {
QJsonObject ping() { return {{QLatin1String("type"), QLatin1String("ping")}}; }
} // namespace

class TestServerLimits : public QObject
{
    Q_OBJECT
    ServerFixture f;

private slots:
    void cleanup() { f.stop(); }

    void messageTooBig()
    {
        ServerConfig config;
        config.maxMessageBytes = 4096;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        Client *b = f.join(QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(a && b);
        b->send(command(QStringLiteral("add_item"), QStringLiteral("small"), {{QLatin1String("blob"), QString(3000, QLatin1Char('x'))}}));
        QVERIFY(a->waitFor(QStringLiteral("command")));
        // b is not the host of a session with a state: 1 MiB (here 4 KiB) is its limit.
        b->send(command(QStringLiteral("add_item"), QStringLiteral("big"), {{QLatin1String("blob"), QString(10000, QLatin1Char('x'))}}));
        QVERIFY(b->waitDisconnected());
        QCOMPARE(b->closeCode, 1009);
        QVERIFY(a->waitFor(QStringLiteral("user:left")));
        QCOMPARE(a->count(QStringLiteral("command")), 1);
    }

    void largeStateOnlyFromWhoMayPushIt()
    {
        // A 10,000-item table is ~1.7 MB, above the 1 MiB message limit: the
        // host's state push has its own limit; nobody else gets more.
        ServerConfig config;
        config.maxMessageBytes = 4096;
        config.maxStateBytes = 256 * 1024;
        config.maxSendBufferBytes = 8192; // below one state: a reader that keeps up still gets it
        QVERIFY(f.start(config));
        Client *host = f.join(QStringLiteral("s"), QStringLiteral("host"));
        Client *guest = f.join(QStringLiteral("s"), QStringLiteral("guest"));
        QVERIFY(host && guest);
        QVERIFY(host->ack().value(QLatin1String("is_host")).toBool());

        const auto state = [](const QString &prefix, int count) {
            QJsonArray items;
            for (int i = 0; i < count; ++i) {
                items.append(QJsonObject{{QLatin1String("item_id"), QStringLiteral("%1-%2").arg(prefix).arg(i)},
                                         {QLatin1String("item_type"), QStringLiteral("lens")},
                                         {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), i},
                                                                            {QLatin1String("label"), QString(200, QLatin1Char('l'))}}}});
            }
            return QJsonObject{{QLatin1String("type"), QStringLiteral("sync:full_state")},
                               {QLatin1String("state"), QJsonObject{{QLatin1String("items"), items}, {QLatin1String("version"), 1}}}};
        };
        const QJsonObject big = state(QStringLiteral("h"), 200); // ~50 KB
        QVERIFY(QJsonDocument(big).toJson(QJsonDocument::Compact).size() > 10 * config.maxMessageBytes);
        host->send(big);
        QVERIFY(guest->waitFor(QStringLiteral("sync:full_state")));
        QCOMPARE(guest->last(QStringLiteral("sync:full_state")).value(QLatin1String("state")).toObject()
                     .value(QLatin1String("items")).toArray().size(), 200);
        QVERIFY(!guest->disconnected);

        // A large message of any other type, even from the host: refused, not relayed, still connected.
        host->send(command(QStringLiteral("add_item"), QStringLiteral("huge"),
                           {{QLatin1String("blob"), QString(10000, QLatin1Char('x'))}}));
        QVERIFY(host->waitFor(QStringLiteral("error")));
        QCOMPARE(host->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("message_too_large"));
        host->send(command(QStringLiteral("add_item"), QStringLiteral("small"), {}));
        QVERIFY(guest->waitFor(QStringLiteral("command")));
        QCOMPARE(guest->last(QStringLiteral("command")).value(QLatin1String("command")).toObject()
                     .value(QLatin1String("item_id")).toString(), QStringLiteral("small"));
        QVERIFY(!host->disconnected);

        // A guest of a session that has a state keeps the small limit.
        guest->send(state(QStringLiteral("g"), 200));
        QVERIFY(guest->waitDisconnected());
        QCOMPARE(guest->closeCode, 1009);
        QVERIFY(!host->disconnected);

        // When the host leaves, the next host may push a large state.
        Client *next = f.join(QStringLiteral("s"), QStringLiteral("next"));
        Client *third = f.join(QStringLiteral("s"), QStringLiteral("third"));
        QVERIFY(next && third);
        host->socket.close();
        QVERIFY(third->waitFor(QStringLiteral("host:changed")));
        // (the session's items and new ones: a push is merged, and one that
        // lacked the session's items would be answered with the whole state)
        QJsonObject nextState = state(QStringLiteral("n"), 200);
        QJsonObject nextInner = nextState.value(QLatin1String("state")).toObject();
        QJsonArray nextItems = nextInner.value(QLatin1String("items")).toArray();
        for (const QJsonValue &v : big.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray())
            nextItems.append(v);
        nextItems.append(QJsonObject{{QLatin1String("uuid"), QLatin1String("small")}, {QLatin1String("item_type"), QLatin1String("lens")}});
        nextInner.insert(QLatin1String("items"), nextItems);
        nextState.insert(QLatin1String("state"), nextInner);
        next->send(nextState);
        QVERIFY(third->waitFor(QStringLiteral("sync:full_state"), third->count(QStringLiteral("sync:full_state")) + 1));
        QVERIFY(!next->disconnected);

        // In an empty session anyone may seed it, whatever its size.
        Client *first = f.join(QStringLiteral("empty"), QStringLiteral("first"));
        Client *seeder = f.join(QStringLiteral("empty"), QStringLiteral("seeder"));
        QVERIFY(first && seeder);
        seeder->send(state(QStringLiteral("e"), 200));
        QVERIFY(first->waitFor(QStringLiteral("sync:full_state")));
        QVERIFY(!seeder->disconnected);
    }

    void rateLimited()
    {
        ServerConfig config;
        config.maxMessagesPerSecond = 20;
        config.burst = 5;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        for (int i = 0; i < 40; ++i)
            a->send(ping());
        QVERIFY(a->waitFor(QStringLiteral("error")));
        QCOMPARE(a->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("rate_limited"));
        QVERIFY(a->count(QStringLiteral("pong")) <= 8);
        QVERIFY(a->count(QStringLiteral("pong")) >= 5);
        // Still connected: once tokens refill, messages go through again.
        const int pongs = a->count(QStringLiteral("pong"));
        QTRY_VERIFY_WITH_TIMEOUT((a->send(ping()), a->count(QStringLiteral("pong")) > pongs), 5000);
        QVERIFY(!a->disconnected);
    }

    void floodDisconnects()
    {
        ServerConfig config;
        config.maxMessagesPerSecond = 1;
        config.burst = 1;
        QVERIFY(f.start(config));
        Client *a = f.join(QStringLiteral("s"), QStringLiteral("a"));
        QVERIFY(a);
        for (int i = 0; i < 1100; ++i)
            a->send(ping());
        QVERIFY(a->waitDisconnected(10000));
        QCOMPARE(a->closeCode, 1008);
        QCOMPARE(a->count(QStringLiteral("error")), 1); // one reply per run of drops
    }

    void sessionFull()
    {
        ServerConfig config;
        config.maxUsersPerSession = 2;
        QVERIFY(f.start(config));
        QVERIFY(f.join(QStringLiteral("s"), QStringLiteral("a")));
        QVERIFY(f.join(QStringLiteral("s"), QStringLiteral("b")));
        QVERIFY(f.join(QStringLiteral("other"), QStringLiteral("c"))); // other sessions unaffected
        RawClient raw;
        raw.open(f.port(), QStringLiteral("/ws/s/c"));
        QVERIFY(raw.waitUpgraded());
        QTRY_COMPARE(raw.closeCode, 1013);
        QVERIFY(raw.closeReason.contains(QLatin1String("full")));
        QCOMPARE(raw.texts.size(), 1);
        QCOMPARE(parseObject(raw.texts.at(0)).value(QLatin1String("code")).toString(), QStringLiteral("session_full"));
        // A Qt 6.4 client rejects 1013 as an invalid close code (it only accepts
        // < 1012 or >= 3000) and reports a protocol error; the preceding
        // "error" message with code "session_full" is what it can show.
        Client *qt = f.open(QStringLiteral("s"), QStringLiteral("d"));
        QVERIFY(qt->waitDisconnected());
        QCOMPARE(qt->last(QStringLiteral("error")).value(QLatin1String("code")).toString(), QStringLiteral("session_full"));
        qInfo() << "Qt client saw close code" << qt->closeCode << qt->closeReason;
        QCOMPARE(f.server->connectionCount(), 3);
    }

    void invalidPath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("root") << QStringLiteral("/");
        QTest::newRow("no user") << QStringLiteral("/ws/session");
        QTest::newRow("wrong prefix") << QStringLiteral("/socket/s/u");
        QTest::newRow("too deep") << QStringLiteral("/ws/s/u/x");
        QTest::newRow("empty user") << QStringLiteral("/ws/s/");
    }

    void invalidPath()
    {
        QFETCH(QString, path);
        QVERIFY(f.start());
        Client c;
        c.openPath(f.port(), path);
        QVERIFY(c.waitDisconnected());
        QCOMPARE(c.closeCode, 1008);
        QVERIFY2(c.closeReason.contains(QLatin1String("/ws/<session_id>/<user_id>")), qPrintable(c.closeReason));
        QCOMPARE(f.server->connectionCount(), 0);
        QCOMPARE(f.server->sessionCount(), 0);
    }

    void originPolicy()
    {
        ServerConfig config;
        config.allowedOrigins = {QStringLiteral("http://good.example")};
        QVERIFY(f.start(config));
        Client evil(QStringLiteral("http://evil.example"));
        evil.open(f.port(), QStringLiteral("s"), QStringLiteral("e"));
        QVERIFY(evil.waitDisconnected());
        QVERIFY(!evil.connected);
        Client good(QStringLiteral("http://good.example"));
        good.open(f.port(), QStringLiteral("s"), QStringLiteral("g"));
        QVERIFY(good.waitConnected());
        QVERIFY(f.join(QStringLiteral("s"), QStringLiteral("native"))); // no Origin header: allowed
        f.stop();

        QVERIFY(f.start()); // default: any Origin is refused
        Client browser(QStringLiteral("http://good.example"));
        browser.open(f.port(), QStringLiteral("s"), QStringLiteral("b"));
        QVERIFY(browser.waitDisconnected());
        QVERIFY(!browser.connected);
        QCOMPARE(f.server->connectionCount(), 0);
    }

    void slowReaderDisconnected()
    {
        ServerConfig config;
        config.maxSendBufferBytes = 256 * 1024;
        config.maxMessagesPerSecond = 100000;
        config.burst = 100000;
        QVERIFY(f.start(config));
        Client *writer = f.join(QStringLiteral("s"), QStringLiteral("writer"));
        Client *watcher = f.join(QStringLiteral("s"), QStringLiteral("watcher"));
        QVERIFY(writer && watcher);
        RawClient slow;
        slow.open(f.port(), QStringLiteral("/ws/s/slow"));
        QVERIFY(slow.waitUpgraded());
        QVERIFY(watcher->waitFor(QStringLiteral("user:joined")));
        slow.stopReading();

        const QString blob(60000, QLatin1Char('b'));
        int sent = 0;
        while (watcher->count(QStringLiteral("user:left")) == 0 && sent < 600) {
            for (int i = 0; i < 10; ++i, ++sent)
                writer->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(sent), {{QLatin1String("blob"), blob}}));
            QVERIFY(watcher->waitFor(QStringLiteral("command"), sent, 10000));
        }
        QVERIFY2(watcher->waitFor(QStringLiteral("user:left"), 1, 5000), "the slow reader was never dropped");
        QCOMPARE(watcher->last(QStringLiteral("user:left")).value(QLatin1String("user_id")).toString(), QStringLiteral("slow"));
        QTRY_COMPARE(f.server->connectionCount(), 2);
        // The others keep receiving.
        writer->send(command(QStringLiteral("add_item"), QStringLiteral("after"), {}));
        QVERIFY(watcher->waitFor(QStringLiteral("command"), sent + 1));
        QVERIFY(!watcher->disconnected && !writer->disconnected);
        // What the slow reader would eventually read ends with 1008 (if the
        // close frame made it out before the abort).
        slow.autoPong = false;
        qInfo() << "slow reader dropped after" << sent << "messages of 60 kB";
    }

    void keepaliveDropsSilentPeer()
    {
        ServerConfig config;
        config.keepaliveIntervalMs = 100;
        config.keepaliveTimeoutMs = 500;
        QVERIFY(f.start(config));
        Client *alive = f.join(QStringLiteral("s"), QStringLiteral("alive")); // Qt answers pings
        QVERIFY(alive);
        RawClient silent;
        silent.autoPong = false;
        silent.open(f.port(), QStringLiteral("/ws/s/silent"));
        QVERIFY(silent.waitUpgraded());
        QVERIFY(alive->waitFor(QStringLiteral("user:joined")));
        QVERIFY(alive->waitFor(QStringLiteral("user:left"), 1, 5000));
        QVERIFY(silent.disconnected || QTest::qWaitFor([&] { return silent.disconnected; }, 2000));
        QVERIFY(!alive->disconnected);
        QCOMPARE(f.server->connectionCount(), 1);

        RawClient ponging; // answers pings: stays
        ponging.open(f.port(), QStringLiteral("/ws/s/ponging"));
        QVERIFY(ponging.waitUpgraded());
        QVERIFY(!QTest::qWaitFor([&] { return ponging.disconnected; }, 1200));
        QCOMPARE(f.server->connectionCount(), 2);
    }

    void handshakeTimeout()
    {
        ServerConfig config;
        config.handshakeTimeoutMs = 300;
        QVERIFY(f.start(config));
        QTcpSocket idle;
        bool gone = false;
        connect(&idle, &QTcpSocket::disconnected, this, [&] { gone = true; });
        idle.connectToHost(QStringLiteral("127.0.0.1"), f.port());
        QVERIFY(idle.waitForConnected(2000));
        QTRY_VERIFY_WITH_TIMEOUT(gone, 5000);
        QVERIFY(f.join(QStringLiteral("s"), QStringLiteral("a")));
    }

    void garbageHandshake()
    {
        QVERIFY(f.start());
        QTcpSocket junk;
        bool gone = false;
        connect(&junk, &QTcpSocket::disconnected, this, [&] { gone = true; });
        junk.connectToHost(QStringLiteral("127.0.0.1"), f.port());
        QVERIFY(junk.waitForConnected(2000));
        junk.write(QByteArray(5000, '\x07') + "\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(gone, 5000);
        QVERIFY(f.join(QStringLiteral("s"), QStringLiteral("a")));
    }
};

QTEST_GUILESS_MAIN(TestServerLimits)
#include "tst_server_limits.moc"
