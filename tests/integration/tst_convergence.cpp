// SPDX-License-Identifier: MIT
// Randomised convergence property: several participants (CollabClient +
// SyncManager + MemoryScene each) edit the same items through a real
// CollabServer on loopback while their connections are closed, dropped and
// reopened at random. Once everyone is back and quiet, every scene must equal
// the server's state.
//
// OPTIVERSE_SEEDS=N runs seeds 1..N (default 30); OPTIVERSE_SEED=S runs only S;
// OPTIVERSE_OPS=N changes the number of operations per seed (default 400).
#include "CollabClient.h"
#include "CollabServer.h"
#include "MemoryScene.h"
#include "SyncManager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <memory>
#include <vector>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

constexpr int ClientCount = 5;
constexpr int PoolSize = 12; // few UUIDs: adds race adds, removes race edits

struct Peer
{
    QString name;  // requested user name
    QString label; // for messages: names may repeat
    MemoryScene scene;
    CollabClient client;
    SyncManager sync{&scene, &client};
    bool online = false;        // the test wants it connected
    QUuid dragging;             // an open drag, if any

    explicit Peer(QString n) : name(std::move(n))
    {
        client.setReconnectBackoff(10, 40);
        sync.setDragInterval(5);
    }
};

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok ? v : fallback;
}

QString describeDifference(const QByteArray &expected, const QByteArray &actual)
{
    // Name the items that differ rather than dumping two whole scenes.
    auto index = [](const QByteArray &dump) {
        QHash<QString, QJsonObject> byId;
        const QJsonArray items = QJsonDocument::fromJson(dump).object().value(QLatin1String("items")).toArray();
        for (const QJsonValue &v : items)
            byId.insert(v.toObject().value(QLatin1String("item_uuid")).toString(), v.toObject());
        return byId;
    };
    const auto want = index(expected), got = index(actual);
    QStringList lines;
    QStringList ids = want.keys() + got.keys();
    ids.removeDuplicates();
    ids.sort();
    for (const QString &id : std::as_const(ids)) {
        const QJsonObject w = want.value(id), g = got.value(id);
        if (w == g)
            continue;
        const auto text = [](const QJsonObject &o) {
            return o.isEmpty() ? QStringLiteral("(absent)")
                               : QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
        };
        lines.append(QStringLiteral("  %1\n    server: %2\n    client: %3").arg(id.left(8), text(w), text(g)));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestConvergence : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void allScenesEqualServerState_data();
    void allScenesEqualServerState();
    void largeOfflineReplayStaysWithinServerRateLimit();

private:
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->port())); }
    void randomOperation(Peer &peer);
    /// A move, an update or a removal of @p item by @p peer.
    void randomEdit(Peer &peer, const SceneItem &item);
    /// Several peers edit one item back to back, before any hears of the others.
    void conflict();
    SceneItem randomItem(const QUuid &uuid);
    QJsonObject randomParameters(const QString &type, bool all);
    bool quiescent() const;
    QString states() const;
    /// The server's state as a fresh participant receives it; @p seq its version.
    QByteArray serverState(qint64 *seq);

    std::unique_ptr<CollabServer> m_server;
    std::vector<std::unique_ptr<Peer>> m_peers;
    QList<QUuid> m_pool;
    QRandomGenerator m_rng;
    int m_ops = 400;
};

void TestConvergence::initTestCase()
{
    m_ops = envInt("OPTIVERSE_OPS", 400);
}

void TestConvergence::cleanup()
{
    m_peers.clear(); // before their server
    m_server.reset();
}

void TestConvergence::allScenesEqualServerState_data()
{
    QTest::addColumn<quint32>("seed");
    const int single = envInt("OPTIVERSE_SEED", -1);
    if (single >= 0) {
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(single))) << quint32(single);
        return;
    }
    const int count = envInt("OPTIVERSE_SEEDS", 30);
    for (int s = 1; s <= count; ++s)
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(s))) << quint32(s);
}

QJsonObject TestConvergence::randomParameters(const QString &type, bool all)
{
    // Values come from small sets so equal values recur (moves back to an
    // earlier pose, updates to the value an item already has…).
    static const QHash<QString, QStringList> keys{
        {QStringLiteral("lens"), {QStringLiteral("focal_length_mm"), QStringLiteral("diameter_mm"), QStringLiteral("label")}},
        {QStringLiteral("mirror"), {QStringLiteral("diameter_mm"), QStringLiteral("reflectivity"), QStringLiteral("label")}},
        {QStringLiteral("source"), {QStringLiteral("wavelength_nm"), QStringLiteral("power_mw"), QStringLiteral("label")}},
    };
    QJsonObject data;
    for (const QString &k : keys.value(type)) {
        if (!all && m_rng.bounded(2))
            continue;
        if (k == QLatin1String("label"))
            data.insert(k, QStringLiteral("L%1").arg(m_rng.bounded(3)));
        else
            data.insert(k, double(10 * (1 + m_rng.bounded(4))));
    }
    if (data.isEmpty()) // at least one key
        data.insert(QStringLiteral("label"), QStringLiteral("L%1").arg(m_rng.bounded(3)));
    return data;
}

SceneItem TestConvergence::randomItem(const QUuid &uuid)
{
    static const QStringList types{QStringLiteral("lens"), QStringLiteral("mirror"), QStringLiteral("source")};
    SceneItem item{uuid, types.at(m_rng.bounded(int(types.size()))), {}};
    item.data = randomParameters(item.type, true);
    item.data.insert(QLatin1String(kXmm), double(10 * m_rng.bounded(4)));
    item.data.insert(QLatin1String(kYmm), double(10 * m_rng.bounded(4)));
    item.data.insert(QLatin1String(kAngleDeg), double(45 * m_rng.bounded(4)));
    return item;
}

void TestConvergence::randomOperation(Peer &peer)
{
    const QList<SceneItem> items = peer.scene.items();
    const auto pick = [&]() -> SceneItem {
        if (items.isEmpty())
            return {};
        // items() has no defined order: choose by sorted UUID for determinism.
        QList<QUuid> ids;
        for (const SceneItem &i : items)
            ids.append(i.uuid);
        std::sort(ids.begin(), ids.end());
        return peer.scene.item(ids.at(m_rng.bounded(int(ids.size()))));
    };
    const int roll = int(m_rng.bounded(100));
    if (!peer.online) {
        if (roll < 25) { // come back, bringing the edits made meanwhile or replacing them
            peer.sync.setJoinMode(m_rng.bounded(2) ? SyncManager::JoinMode::BringLocalChanges
                                                    : SyncManager::JoinMode::ReplaceLocalScene);
            peer.client.connectToServer(url(), QStringLiteral("prop"), peer.name);
            peer.online = true;
            return;
        }
    } else if (roll < 4) { // leave (and sometimes come straight back: the server may still hold the old id)
        peer.client.disconnectFromServer();
        peer.online = false;
        if (m_rng.bounded(2)) {
            peer.client.connectToServer(url(), QStringLiteral("prop"), peer.name);
            peer.online = true;
        }
        return;
    } else if (roll < 8) { // the network drops the connection: the client comes back by itself
        const auto sockets = peer.client.findChildren<QWebSocket *>();
        for (QWebSocket *s : sockets)
            if (s->state() == QAbstractSocket::ConnectedState)
                s->abort();
        return;
    }
    if (!peer.dragging.isNull()) { // an open drag: move on, or release
        if (!peer.scene.item(peer.dragging).uuid.isNull() && m_rng.bounded(3)) {
            QVERIFY(peer.scene.moveItem(peer.dragging, double(m_rng.bounded(40)), double(m_rng.bounded(40)), 0,
                                        ChangeOrigin::Local, nullptr));
            return;
        }
        peer.sync.itemDragStateChanged(std::exchange(peer.dragging, {}), false);
        return;
    }
    const int action = int(m_rng.bounded(100));
    if (action < 20) { // add one of the pool's UUIDs this peer does not show
        QList<QUuid> free;
        for (const QUuid &u : std::as_const(m_pool))
            if (peer.scene.item(u).uuid.isNull())
                free.append(u);
        if (!free.isEmpty())
            QVERIFY(peer.scene.addItem(randomItem(free.at(m_rng.bounded(int(free.size())))), ChangeOrigin::Local, nullptr));
        return;
    }
    const SceneItem item = pick();
    if (item.uuid.isNull())
        return;
    if (action >= 50 && action < 55) {
        peer.dragging = item.uuid;
        peer.sync.itemDragStateChanged(item.uuid, true);
        QVERIFY(peer.scene.moveItem(item.uuid, double(m_rng.bounded(40)), double(m_rng.bounded(40)), 0,
                                    ChangeOrigin::Local, nullptr));
        return;
    }
    randomEdit(peer, item);
}

void TestConvergence::randomEdit(Peer &peer, const SceneItem &item)
{
    const int action = int(m_rng.bounded(100));
    if (action < 35) {
        QVERIFY(peer.scene.moveItem(item.uuid, double(10 * m_rng.bounded(4)), double(10 * m_rng.bounded(4)),
                                    double(45 * m_rng.bounded(4)), ChangeOrigin::Local, nullptr));
    } else if (action < 80) {
        QJsonObject data = randomParameters(item.type, false);
        if (m_rng.bounded(5) == 0) // pose keys through update_item too
            data.insert(QLatin1String(kXmm), double(10 * m_rng.bounded(4)));
        QVERIFY(peer.scene.updateItem(item.uuid, data, ChangeOrigin::Local, nullptr));
    } else {
        QVERIFY(peer.scene.removeItem(item.uuid, ChangeOrigin::Local, nullptr));
    }
}

void TestConvergence::conflict()
{
    const QUuid uuid = m_pool.at(m_rng.bounded(int(m_pool.size())));
    for (const auto &p : m_peers) {
        const SceneItem item = p->scene.item(uuid);
        if (!item.uuid.isNull() && p->dragging != uuid && m_rng.bounded(2))
            randomEdit(*p, item);
    }
}

bool TestConvergence::quiescent() const
{
    for (const auto &p : m_peers)
        if (p->client.state() != CollabClient::State::Connected || !p->sync.isSynchronized()
            || p->sync.unacknowledgedCount() != 0 || p->sync.offlineEditCount() != 0)
            return false;
    return true;
}

QString TestConvergence::states() const
{
    QStringList out;
    for (const auto &p : m_peers)
        out.append(QStringLiteral("%1 %2 %3 unacked %4 offline %5 seq %6")
                       .arg(p->label, QLatin1String(QMetaEnum::fromType<CollabClient::State>().valueToKey(int(p->client.state()))),
                            p->sync.isSynchronized() ? QStringLiteral("synced") : QStringLiteral("not-synced"))
                       .arg(p->sync.unacknowledgedCount())
                       .arg(p->sync.offlineEditCount())
                       .arg(p->sync.lastSeq()));
    return out.join(QLatin1String("; "));
}

QByteArray TestConvergence::serverState(qint64 *seq)
{
    Peer observer(QStringLiteral("observer"));
    observer.sync.setJoinMode(SyncManager::JoinMode::ReplaceLocalScene);
    QSignalSpy synced(&observer.sync, &SyncManager::synchronized);
    observer.client.connectToServer(url(), QStringLiteral("prop"), observer.name);
    if (!synced.wait(10000))
        return {};
    *seq = observer.sync.lastSeq();
    return observer.scene.dump();
}

void TestConvergence::allScenesEqualServerState()
{
    QFETCH(quint32, seed);
    m_rng.seed(seed);
    ServerConfig config;
    // Short history on some seeds: resumes then get the full state instead of a replay.
    config.historyLength = m_rng.bounded(2) ? 10000 : 16;
    m_server = std::make_unique<CollabServer>(config);
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    m_pool.clear();
    for (int i = 0; i < PoolSize; ++i) {
        QRandomGenerator64 g(seed * 1000u + quint32(i));
        m_pool.append(QUuid(quint32(g.generate()), quint16(g.generate()), quint16(g.generate()), 0x80, 0, 0, 0, 0,
                            0, 0, quint8(i)));
    }

    m_peers.clear();
    for (int i = 0; i < ClientCount; ++i) {
        // The last two share a name: the server calls one "c3-2", and which
        // one gets which id changes as they reconnect.
        auto peer = std::make_unique<Peer>(QStringLiteral("c%1").arg(std::min(i, ClientCount - 2)));
        peer->label = QStringLiteral("peer %1 (%2)").arg(i).arg(peer->name);
        // The first one hosts with its (empty) canvas; the others take the session's.
        peer->sync.setJoinMode(i == 0 ? SyncManager::JoinMode::ShareLocalScene : SyncManager::JoinMode::ReplaceLocalScene);
        QSignalSpy synced(&peer->sync, &SyncManager::synchronized);
        peer->client.connectToServer(url(), QStringLiteral("prop"), peer->name);
        QVERIFY2(synced.wait(10000), qPrintable(QStringLiteral("seed %1: %2 could not join").arg(seed).arg(i)));
        peer->online = true;
        m_peers.push_back(std::move(peer));
    }

    for (int op = 0; op < m_ops; ++op) {
        if (m_rng.bounded(10) == 0)
            conflict();
        else
            randomOperation(*m_peers.at(m_rng.bounded(ClientCount)));
        if (QTest::currentTestFailed())
            QFAIL(qPrintable(QStringLiteral("seed %1: a local edit failed at operation %2").arg(seed).arg(op)));
        // Let the network and the other peers run a random while: often
        // just the pending events, else 1–2 ms.
        QTest::qWait(m_rng.bounded(2) ? 0 : 1 + int(m_rng.bounded(2)));
    }

    // Everyone back, drags released, and the session quiet.
    for (auto &p : m_peers) {
        if (!p->dragging.isNull())
            p->sync.itemDragStateChanged(std::exchange(p->dragging, {}), false);
        if (!p->online) {
            p->client.connectToServer(url(), QStringLiteral("prop"), p->name);
            p->online = true;
        }
    }
    const auto failure = [seed](const QString &what) {
        return QStringLiteral("seed %1 (rerun with OPTIVERSE_SEED=%1): %2").arg(seed).arg(what).toLocal8Bit();
    };
    QByteArray expected;
    for (int round = 0;; ++round) {
        QVERIFY2(QTest::qWaitFor([this] { return quiescent(); }, 20000), failure(QStringLiteral("never quiet: %1").arg(states())).constData());
        // The server's state at some seq; every peer must have seen exactly that seq.
        qint64 seq = -1;
        expected = serverState(&seq);
        QVERIFY2(!expected.isEmpty(), failure(QStringLiteral("the observer could not join")).constData());
        const auto caughtUp = [this, seq] {
            return std::all_of(m_peers.cbegin(), m_peers.cend(), [seq](const auto &p) { return p->sync.lastSeq() >= seq; });
        };
        QVERIFY2(QTest::qWaitFor(caughtUp, 20000), failure(QStringLiteral("a peer never reached seq %1").arg(seq)).constData());
        const bool stable = quiescent() && std::all_of(m_peers.cbegin(), m_peers.cend(), [seq](const auto &p) {
            return p->sync.lastSeq() == seq;
        });
        if (stable)
            break;
        QVERIFY2(round < 5, failure(QStringLiteral("the session never settled")).constData());
    }
    for (const auto &p : m_peers) {
        const QByteArray actual = p->scene.dump();
        QVERIFY2(actual == expected,
                 failure(QStringLiteral("%1's scene differs from the server's:\n%2").arg(p->label, describeDifference(expected, actual))).constData());
    }
}

void TestConvergence::largeOfflineReplayStaysWithinServerRateLimit()
{
    // The server drops what a connection sends above 200 messages/s (burst
    // 400); 600 edits made offline must all arrive anyway.
    m_server = std::make_unique<CollabServer>();
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    Peer alice(QStringLiteral("alice")), bob(QStringLiteral("bob"));
    alice.sync.setJoinMode(SyncManager::JoinMode::ShareLocalScene);
    for (Peer *p : {&alice, &bob}) {
        QSignalSpy synced(&p->sync, &SyncManager::synchronized);
        p->client.connectToServer(url(), QStringLiteral("burst"), p->name);
        QVERIFY(synced.wait(10000));
    }
    bob.client.disconnectFromServer();
    constexpr int Edits = 600;
    m_rng.seed(7);
    for (int i = 0; i < Edits; ++i)
        QVERIFY(bob.scene.addItem(randomItem(QUuid::createUuid()), ChangeOrigin::Local, nullptr));
    int refusals = 0;
    connect(&bob.client, &CollabClient::messageReceived, this, [&refusals](const Message &m) {
        refusals += m.type() == Message::Type::Error;
    });
    QSignalSpy closed(&bob.client, &CollabClient::errorOccurred);
    QSignalSpy synced(&bob.sync, &SyncManager::synchronized);
    bob.sync.setJoinMode(SyncManager::JoinMode::BringLocalChanges); // "bring my changes"
    bob.client.connectToServer(url(), QStringLiteral("burst"), bob.name);
    QVERIFY(synced.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(alice.scene.items().size(), Edits, 20000);
    QTRY_COMPARE(bob.sync.unacknowledgedCount(), 0);
    QCOMPARE(alice.scene.dump(), bob.scene.dump());
    QCOMPARE(bob.sync.commandsSent(), quint64(Edits));
    QCOMPARE(refusals, 0); // no "rate_limited"
    QCOMPARE(closed.size(), 0);
}

QTEST_MAIN(TestConvergence)
#include "tst_convergence.moc"
