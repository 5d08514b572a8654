// SPDX-License-Identifier: MIT
// Fake and malformed beacons against the real listener and the real
// Connect-page list: nothing invalid is listed, a beacon cannot point at
// another machine, each sender is rate limited and capped, and a flood
// neither hides the real server nor stops the UI's event loop.
#include "BeaconListener.h"
#include "CollabServer.h"
#include "LoopbackDiscovery.h"
#include "NetworkSessionList.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <QUdpSocket>

using namespace Optiverse::Collab;

namespace {
// A sender on its own loopback address (all of 127/8 is this machine).
class FakeSender
{
public:
    FakeSender(const DiscoveryConfig &config, const char *address) : m_config(config), m_address(QString::fromLatin1(address))
    {
        m_socket.bind(m_address, 0);
        m_socket.setMulticastInterface(QNetworkInterface::interfaceFromName(QStringLiteral("lo")));
    }
    qint64 send(const QByteArray &datagram)
    {
        return m_socket.writeDatagram(datagram, m_config.group, m_config.port);
    }
    Beacon beacon(const QString &instance, quint16 port = 9) const
    {
        Beacon b;
        b.instance = instance;
        b.name = QStringLiteral("fake ") + instance;
        b.urls = {QUrl(QStringLiteral("ws://%1:%2").arg(m_address.toString()).arg(port))};
        b.sessions = {{QStringLiteral("lab"), 1, {}}};
        return b;
    }

private:
    DiscoveryConfig m_config;
    QHostAddress m_address;
    QUdpSocket m_socket;
};
} // namespace

class TestDiscoveryHostile : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { m_discovery = loopbackDiscovery(); }

    void malformedBeaconsAreIgnored()
    {
        BeaconListener listener(m_discovery);
        QVERIFY(listener.start(nullptr));
        FakeSender fake(m_discovery, "127.0.0.2");
        const QList<QByteArray> bad{
            QByteArray("not json"),
            QByteArray("{\"optiverse\":\"beacon\"}"),
            QByteArray("{\"optiverse\":\"beacon\",\"v\":1,\"protocol\":1,\"instance\":\"x\",\"name\":\"n\",\"urls\":[\"http://127.0.0.2:1\"],\"password_required\":false,\"fingerprint\":null,\"sessions\":[]}"),
            QByteArray(Beacon::MaxDatagramBytes + 100, '{'),
            QByteArray("\xff\xfe\x00garbage", 10),
        };
        for (const QByteArray &datagram : bad)
            QVERIFY(fake.send(datagram) >= 0);
        QTRY_COMPARE(listener.stats().invalid, quint64(bad.size()));
        QVERIFY(listener.servers().isEmpty());
        // Still listening: a valid beacon afterwards is listed.
        fake.send(fake.beacon(QStringLiteral("honest")).toDatagram());
        QTRY_COMPARE(listener.servers().size(), 1);
    }

    // A beacon naming another machine's address would send people elsewhere.
    void beaconCannotPointAtAnotherMachine()
    {
        BeaconListener listener(m_discovery);
        QVERIFY(listener.start(nullptr));
        FakeSender fake(m_discovery, "127.0.0.2");
        Beacon b = fake.beacon(QStringLiteral("liar"));
        b.urls = {QUrl(QStringLiteral("ws://127.0.0.1:8765"))};
        fake.send(b.toDatagram());
        QTRY_COMPARE(listener.stats().invalid, quint64(1));
        QVERIFY(listener.lastRejection().contains(QLatin1String("127.0.0.2")));
        QVERIFY(listener.servers().isEmpty());
    }

    void oneServerHeardOnTwoAddressesIsOneRow()
    {
        // One server run announcing on two interfaces (its instance is the
        // same): one row, on the address heard first; another run is its own row.
        BeaconListener listener(m_discovery);
        QVERIFY(listener.start(nullptr));
        FakeSender first(m_discovery, "127.0.0.4");
        FakeSender second(m_discovery, "127.0.0.5");
        first.send(first.beacon(QStringLiteral("run-1")).toDatagram());
        QTRY_COMPARE(listener.servers().size(), 1);
        second.send(second.beacon(QStringLiteral("run-1")).toDatagram());
        QTRY_COMPARE(listener.stats().accepted, quint64(2));
        QCOMPARE(listener.servers().size(), 1);
        QCOMPARE(listener.servers().constFirst().sender, QHostAddress(QStringLiteral("127.0.0.4")));
        second.send(second.beacon(QStringLiteral("run-2")).toDatagram());
        QTRY_COMPARE(listener.servers().size(), 2);
    }

    void eachSenderIsRateLimitedAndCapped()
    {
        BeaconListener listener(m_discovery);
        QVERIFY(listener.start(nullptr));
        FakeSender fake(m_discovery, "127.0.0.3");
        const int sent = 200;
        for (int i = 0; i < sent; ++i)
            fake.send(fake.beacon(QStringLiteral("fake-%1").arg(i)).toDatagram());
        QTRY_VERIFY(listener.stats().received >= quint64(BeaconListener::BurstPerSender + 10));
        QTRY_VERIFY(listener.stats().rateLimited > 0);
        QVERIFY(listener.servers().size() <= BeaconListener::MaxServersPerSender);
        QVERIFY(listener.stats().accepted < quint64(sent));
    }

    void floodDoesNotHideTheRealServerNorFreezeTheList()
    {
        ServerConfig config;
        config.advertise = true;
        config.serverName = QStringLiteral("real");
        config.discovery = m_discovery;
        CollabServer server(config);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0, nullptr));

        NetworkSessionList list(m_discovery);
        list.show();
        QTRY_VERIFY(list.rowCount() >= 1);

        // The event loop's heartbeat while the flood runs.
        qint64 longestGapMs = 0;
        QElapsedTimer beat;
        beat.start();
        QTimer heartbeat;
        heartbeat.setInterval(20);
        connect(&heartbeat, &QTimer::timeout, this, [&] {
            longestGapMs = std::max(longestGapMs, beat.restart());
        });
        heartbeat.start();

        // 20,000 fake beacons from 50 addresses, in batches between event-loop passes.
        QList<FakeSender *> senders;
        for (int i = 0; i < 50; ++i) {
            const QByteArray address = "127.0.1." + QByteArray::number(i + 1);
            senders.append(new FakeSender(m_discovery, address.constData()));
        }
        int sent = 0;
        QSignalSpy rebuilds(list.view()->model(), &QAbstractItemModel::modelReset);
        QElapsedTimer flood;
        flood.start();
        while (sent < 20000) {
            for (int i = 0; i < 400; ++i, ++sent) {
                FakeSender *s = senders.at(sent % senders.size());
                s->send(s->beacon(QStringLiteral("f%1").arg(sent)).toDatagram());
            }
            QCoreApplication::processEvents();
        }
        const qint64 floodMs = flood.elapsed();
        // The fakes fill the table (256 at most, 16 per sender); the real server stays.
        QTRY_VERIFY(list.rowCount() > 100);
        QTRY_COMPARE(list.view()->findItems(QStringLiteral("real"), Qt::MatchExactly, 2).size(), 1);
        heartbeat.stop();
        QVERIFY(list.rowCount() <= BeaconListener::MaxServers + 1);
        // Coalesced: rebuilt a bounded number of times, not once per beacon.
        const qint64 elapsed = flood.elapsed();
        const qint64 bound = elapsed / BeaconListener::NotifyIntervalMs + 3;
        QVERIFY2(rebuilds.count() <= bound, qPrintable(QStringLiteral("%1 rebuilds in %2 ms").arg(rebuilds.count()).arg(elapsed)));
        // Never frozen: a real freeze (a rebuild per beacon) takes seconds.
        QVERIFY2(longestGapMs < 1500, qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(longestGapMs)));
        qInfo("flood: %d datagrams in %lld ms; %lld list rebuilds; longest event-loop gap %lld ms; %d rows", sent, floodMs,
              qint64(rebuilds.count()), longestGapMs, list.rowCount());
        qDeleteAll(senders);
    }

private:
    DiscoveryConfig m_discovery;
};

QTEST_MAIN(TestDiscoveryHostile)
#include "tst_discovery_hostile.moc"
