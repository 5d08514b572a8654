// SPDX-License-Identifier: MIT
// The real server announcing itself over loopback, heard by the real listener:
// sessions and user counts, password, names only when asked, nothing with
// advertising off, "bye" on stop, expiry of a server that vanished.
#include "BeaconListener.h"
#include "CollabServer.h"
#include "LoopbackDiscovery.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QNetworkDatagram>
#include <QUdpSocket>
#include <QWebSocket>
#include <memory>

using namespace Optiverse::Collab;

class TestDiscoveryLoopback : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { m_discovery = loopbackDiscovery(); }
    void cleanup() { qDeleteAll(m_clients); m_clients.clear(); }

    void listsSessionsWithUserCounts();
    void userCountFollowsJoinsAndLeaves();
    void passwordIsSaidButNeverSent();
    void namesOnlyWhenAsked();
    void notListedWithAdvertisingOff();
    void stopSaysByeAtOnce();
    void vanishedServerExpires();

private:
    std::unique_ptr<CollabServer> startServer(ServerConfig config, const QHostAddress &on = QHostAddress::LocalHost)
    {
        config.discovery = m_discovery;
        auto server = std::make_unique<CollabServer>(config);
        QString error;
        if (!server->listen(on, 0, &error))
            qWarning() << error;
        return server;
    }
    QWebSocket *join(const CollabServer &server, const QString &session, const QString &user)
    {
        auto *ws = new QWebSocket;
        ws->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/%2/%3").arg(server.port()).arg(session, user)));
        m_clients.append(ws);
        return ws;
    }
    static const DiscoveredServer *find(const QList<DiscoveredServer> &servers, const CollabServer &server)
    {
        for (const DiscoveredServer &s : servers)
            if (s.url().port() == server.port())
                return &s;
        return nullptr;
    }
    static int usersIn(const BeaconListener &listener, const CollabServer &server, const QString &session)
    {
        const QList<DiscoveredServer> servers = listener.servers();
        if (const DiscoveredServer *s = find(servers, server))
            for (const AdvertisedSession &a : s->beacon.sessions)
                if (a.id == session)
                    return a.users;
        return -1;
    }

    DiscoveryConfig m_discovery;
    QList<QWebSocket *> m_clients;
};

void TestDiscoveryLoopback::listsSessionsWithUserCounts()
{
    ServerConfig config;
    config.advertise = true;
    config.serverName = QStringLiteral("alice");
    auto server = startServer(config);
    QVERIFY(server->isAdvertising());
    for (const char *user : {"alice", "bob", "carol"})
        join(*server, QStringLiteral("lab"), QString::fromLatin1(user));
    join(*server, QStringLiteral("optics"), QStringLiteral("dave"));
    QTRY_COMPARE(server->connectionCount(), 4);

    BeaconListener listener(m_discovery);
    QString error;
    QVERIFY2(listener.start(&error), qPrintable(error));
    QTRY_COMPARE(usersIn(listener, *server, QStringLiteral("lab")), 3);
    QCOMPARE(usersIn(listener, *server, QStringLiteral("optics")), 1);
    const QList<DiscoveredServer> servers = listener.servers();
    const DiscoveredServer *found = find(servers, *server);
    QVERIFY(found);
    QCOMPARE(found->beacon.name, QStringLiteral("alice"));
    QCOMPARE(found->url(), QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server->port())));
    QVERIFY(!found->beacon.passwordRequired);
    QVERIFY(found->beacon.fingerprint.isEmpty());
    QCOMPARE(found->beacon.sessions.constFirst().id, QStringLiteral("lab")); // most users first
    QVERIFY(found->beacon.sessions.constFirst().names.isEmpty());
}

void TestDiscoveryLoopback::userCountFollowsJoinsAndLeaves()
{
    ServerConfig config;
    config.advertise = true;
    auto server = startServer(config);
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    QWebSocket *bob = join(*server, QStringLiteral("lab"), QStringLiteral("bob"));
    join(*server, QStringLiteral("lab"), QStringLiteral("carol"));
    QTRY_COMPARE(usersIn(listener, *server, QStringLiteral("lab")), 2);
    bob->close();
    // A join or leave is announced within a quarter second, not at the next 2 s tick.
    QElapsedTimer since;
    since.start();
    QTRY_COMPARE(usersIn(listener, *server, QStringLiteral("lab")), 1);
    QVERIFY2(since.elapsed() < DiscoveryConfig::AnnounceIntervalMs, qPrintable(QString::number(since.elapsed())));
}

void TestDiscoveryLoopback::passwordIsSaidButNeverSent()
{
    // Every datagram on the group, as anyone on the network would see it.
    QUdpSocket sniffer;
    QVERIFY(sniffer.bind(QHostAddress::AnyIPv4, m_discovery.port, QAbstractSocket::ShareAddress | QAbstractSocket::ReuseAddressHint));
    QVERIFY(sniffer.joinMulticastGroup(m_discovery.group, QNetworkInterface::interfaceFromName(QStringLiteral("lo"))));
    QByteArray heard;
    connect(&sniffer, &QUdpSocket::readyRead, this, [&] {
        while (sniffer.hasPendingDatagrams())
            heard += sniffer.receiveDatagram().data();
    });

    ServerConfig config;
    config.advertise = true;
    config.password = QStringLiteral("s3cret-Pa55");
    auto server = startServer(config);
    join(*server, QStringLiteral("lab"), QStringLiteral("bob"));
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    QTRY_VERIFY(find(listener.servers(), *server));
    QVERIFY(find(listener.servers(), *server)->beacon.passwordRequired);
    QTRY_VERIFY(heard.contains("\"password_required\":true"));
    QVERIFY(!heard.contains("s3cret"));
}

void TestDiscoveryLoopback::namesOnlyWhenAsked()
{
    ServerConfig config;
    config.advertise = true;
    config.advertiseNames = true;
    auto server = startServer(config);
    join(*server, QStringLiteral("lab"), QStringLiteral("bob"));
    join(*server, QStringLiteral("lab"), QStringLiteral("alice"));
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    QTRY_COMPARE(usersIn(listener, *server, QStringLiteral("lab")), 2);
    const QList<DiscoveredServer> servers = listener.servers();
    QCOMPARE(find(servers, *server)->beacon.sessions.constFirst().names,
             (QStringList{QStringLiteral("alice"), QStringLiteral("bob")}));
}

void TestDiscoveryLoopback::notListedWithAdvertisingOff()
{
    ServerConfig quiet;
    quiet.advertise = false;
    auto silent = startServer(quiet, QHostAddress::AnyIPv4);
    QVERIFY(!silent->isAdvertising());
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    ServerConfig config;
    config.advertise = true;
    auto loud = startServer(config);
    // Two beacons of the other server heard (its first and its 2 s tick): a
    // beacon of the silent one, sent when it started listening, would be in.
    QTRY_VERIFY_WITH_TIMEOUT(listener.stats().accepted >= 2, 10000);
    QVERIFY(find(listener.servers(), *loud));
    QVERIFY(!find(listener.servers(), *silent));
    QCOMPARE(listener.servers().size(), 1);
}

void TestDiscoveryLoopback::stopSaysByeAtOnce()
{
    ServerConfig config;
    config.advertise = true;
    auto server = startServer(config);
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    QTRY_VERIFY(find(listener.servers(), *server));
    const quint16 port = server->port();
    server->close();
    QVERIFY(!server->isAdvertising());
    QElapsedTimer since;
    since.start();
    QTRY_VERIFY(std::none_of(listener.servers().cbegin(), listener.servers().cend(),
                             [port](const DiscoveredServer &s) { return s.url().port() == port; }));
    QVERIFY2(since.elapsed() < DiscoveryConfig::ExpiryMs, "removed by expiry, not by the bye");
}

void TestDiscoveryLoopback::vanishedServerExpires()
{
    BeaconListener listener(m_discovery);
    QVERIFY(listener.start(nullptr));
    QSignalSpy changed(&listener, &BeaconListener::serversChanged);
    // One beacon of a server that then disappears without a bye (crash, cable).
    QUdpSocket sender;
    QVERIFY(sender.bind(QHostAddress::LocalHost, 0));
    sender.setMulticastInterface(QNetworkInterface::interfaceFromName(QStringLiteral("lo")));
    Beacon b;
    b.instance = QStringLiteral("vanished");
    b.name = QStringLiteral("ghost");
    b.urls = {QUrl(QStringLiteral("ws://127.0.0.1:9"))};
    QElapsedTimer since;
    since.start();
    QVERIFY(sender.writeDatagram(b.toDatagram(), m_discovery.group, m_discovery.port) > 0);
    QTRY_COMPARE(listener.servers().size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(listener.servers().isEmpty(), DiscoveryConfig::ExpiryMs + 3000);
    QVERIFY2(since.elapsed() >= DiscoveryConfig::ExpiryMs, qPrintable(QString::number(since.elapsed())));
    QTRY_COMPARE(changed.count(), 2); // appeared, expired (each told once, coalesced)
}

QTEST_GUILESS_MAIN(TestDiscoveryLoopback)
#include "tst_discovery_loopback.moc"
