// SPDX-License-Identifier: MIT
// Mixed teams: clients of the original Optiverse (OriginalClient, its wire
// behaviour) and ours (scene + CollabClient + SyncManager) in one session, on
// our server (CollabServer) and on the original server (OriginalServer).
// Every scene must end identical, item for item, and equal to what the
// edits intended; no original client may hold an item under another UUID.
#include "CollabClient.h"
#include "CollabServer.h"
#include "HostScene.h"
#include "MemoryScene.h"
#include "OriginalClient.h"
#include "OriginalServer.h"
#include "SyncManager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

constexpr int Wait = 10000;

/// One of ours: the host stub's scene (a real QGraphicsScene host), or a
/// MemoryScene (a host written from interfaces/ alone), with our client.
struct Ours
{
    explicit Ours(bool hostStub = false)
    {
        if (hostStub)
            hostScene = std::make_unique<HostScene>();
        else
            memoryScene = std::make_unique<MemoryScene>();
        sync = std::make_unique<SyncManager>(scene(), &client);
        if (hostScene)
            sync->setSceneKeys(hostScene.get()); // what the plugin gets from queryInterface
        client.setReconnectBackoff(50, 200);
    }
    IScene *scene() const { return hostScene ? static_cast<IScene *>(hostScene.get()) : memoryScene.get(); }
    QByteArray dump() const
    {
        return hostScene ? QJsonDocument(hostScene->toJson()).toJson(QJsonDocument::Indented) : memoryScene->dump();
    }
    std::unique_ptr<HostScene> hostScene;
    std::unique_ptr<MemoryScene> memoryScene;
    CollabClient client;
    std::unique_ptr<SyncManager> sync;
};

QJsonObject props(double x, double y, double angle = 0, const QJsonObject &more = {})
{
    QJsonObject o = more;
    o.insert(QLatin1String("x_mm"), x);
    o.insert(QLatin1String("y_mm"), y);
    o.insert(QLatin1String("angle_deg"), angle);
    return o;
}

/// What every scene must show: uuid -> (type, properties).
struct Model
{
    struct Entry
    {
        QString type;
        QJsonObject data;
    };
    QMap<QString, Entry> items;

    QByteArray dump() const
    {
        QJsonArray array;
        for (auto it = items.cbegin(); it != items.cend(); ++it)
            array.append(QJsonObject{{QLatin1String("item_uuid"), it.key()},
                                     {QLatin1String("item_type"), it->type},
                                     {QLatin1String("data"), it->data}});
        return QJsonDocument(QJsonObject{{QLatin1String("items"), array}}).toJson(QJsonDocument::Indented);
    }
};

QString idOf(const QUuid &uuid)
{
    return uuid.toString(QUuid::WithoutBraces);
}

} // namespace

class TestMixed : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void mixedTeamOnOurServer();
    void originalClientsOnlyOnOurServer();
    void originalHostKeepsItsCanvasOnOurServer();
    void originalHostJoiningAfterOursSharesItsCanvas();
    void stalePushNeitherWipesNorResurrects();
    void wireShapesForOriginalClients();
    void mixedTeamOnOriginalServer();
    void ourHostFeedsLateJoinersOnOriginalServer();
    void ourEditSurvivesAStaleHostPushOnOriginalServer();
    void addingOurCanvasOnOriginalServer();

private:
    QUrl ourUrl() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->port())); }
    QUrl originalUrl() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_original->port())); }
    std::unique_ptr<Ours> joinOurs(const QUrl &url, const QString &name,
                                   SyncManager::JoinMode mode = SyncManager::JoinMode::ReplaceLocalScene,
                                   bool hostStub = false);
    std::unique_ptr<OriginalClient> joinOriginal(const QUrl &url, const QString &name, OriginalClient::Role role,
                                                 const QList<OriginalClient::Item> &canvas = {});
    /// Every scene equals @p model, and no original client has a second copy.
    bool allMatch(const Model &model, const QList<Ours *> &ours, const QList<OriginalClient *> &originals,
                  QByteArray *why);
    /// The session's state as a fresh capable participant receives it.
    QByteArray ourServerState(QString session);

    std::unique_ptr<CollabServer> m_server;
    std::unique_ptr<OriginalServer> m_original;
    QString m_session = QStringLiteral("lab");
};

void TestMixed::init()
{
    m_server = std::make_unique<CollabServer>();
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    m_original = std::make_unique<OriginalServer>();
    QVERIFY(m_original->listen());
}

void TestMixed::cleanup()
{
    m_server.reset();
    m_original.reset();
}

std::unique_ptr<Ours> TestMixed::joinOurs(const QUrl &url, const QString &name, SyncManager::JoinMode mode,
                                          bool hostStub)
{
    auto peer = std::make_unique<Ours>(hostStub);
    peer->sync->setJoinMode(mode);
    QSignalSpy synced(peer->sync.get(), &SyncManager::synchronized);
    peer->client.connectToServer(url, m_session, name);
    if (!synced.wait(Wait))
        return nullptr;
    return peer;
}

std::unique_ptr<OriginalClient> TestMixed::joinOriginal(const QUrl &url, const QString &name,
                                                        OriginalClient::Role role,
                                                        const QList<OriginalClient::Item> &canvas)
{
    auto o = std::make_unique<OriginalClient>(name);
    for (const OriginalClient::Item &item : canvas)
        o->addItem(item.type, item.properties); // offline: on its canvas only
    o->join(url, m_session, role);
    if (!o->waitConnected(Wait))
        return nullptr;
    return o;
}

bool TestMixed::allMatch(const Model &model, const QList<Ours *> &ours, const QList<OriginalClient *> &originals,
                         QByteArray *why)
{
    const QByteArray expected = model.dump();
    for (Ours *o : ours) {
        if (o->dump() != expected) {
            *why = "ours " + o->client.userId().toUtf8() + ":\n" + o->dump() + "\nexpected:\n" + expected;
            return false;
        }
    }
    for (OriginalClient *o : originals) {
        if (o->dump() != expected) {
            *why = "original " + o->userId().toUtf8() + ":\n" + o->dump() + "\nexpected:\n" + expected;
            for (const QJsonObject &m : o->received.mid(std::max<qsizetype>(0, o->received.size() - 8)))
                *why += "\nreceived: " + QJsonDocument(m).toJson(QJsonDocument::Compact);
            return false;
        }
    }
    return true;
}

#define QTRY_ALL_MATCH(model, ours, originals)                                                           \
    do {                                                                                               \
        QByteArray why;                                                                                \
        if (!QTest::qWaitFor([&] { return allMatch(model, ours, originals, &why); }, Wait))            \
            QFAIL(why.constData());                                                                     \
    } while (false)

QByteArray TestMixed::ourServerState(QString session)
{
    const QString saved = std::exchange(m_session, session);
    auto observer = joinOurs(ourUrl(), QStringLiteral("observer"));
    m_session = saved;
    return observer ? observer->dump() : QByteArray();
}

void TestMixed::mixedTeamOnOurServer()
{
    // An original host shares its existing canvas; ours and original
    // clients join, edit one after the other, the host leaves and comes back,
    // one of ours loses its connection, late joiners arrive.
    Model model;
    auto host = joinOriginal(ourUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host,
                             {{{}, QStringLiteral("lens"), props(10, 0, 0, {{QLatin1String("focal_length_mm"), 100.0}}), true},
                              {{}, QStringLiteral("mirror"), props(50, 20, 45), true}});
    QVERIFY(host);
    for (const OriginalClient::Item &i : host->canvas())
        model.items.insert(i.uuid, {i.type, i.properties});
    auto ours1 = joinOurs(ourUrl(), QStringLiteral("ours1"), SyncManager::JoinMode::ReplaceLocalScene, true);
    auto o1 = joinOriginal(ourUrl(), QStringLiteral("o1"), OriginalClient::Role::Client);
    auto ours2 = joinOurs(ourUrl(), QStringLiteral("ours2"), SyncManager::JoinMode::ReplaceLocalScene, true);
    auto o2 = joinOriginal(ourUrl(), QStringLiteral("o2"), OriginalClient::Role::Client);
    QVERIFY(ours1 && o1 && ours2 && o2);
    QList<Ours *> ours{ours1.get(), ours2.get()};
    QList<OriginalClient *> originals{host.get(), o1.get(), o2.get()};
    QTRY_ALL_MATCH(model, ours, originals);

    // Sequential edits by everyone.
    const SceneItem source{QUuid::createUuid(), QStringLiteral("source"), props(-20, 5, 0, {{QLatin1String("wavelength_nm"), 633.0}})};
    QVERIFY(ours1->scene()->addItem(source, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(source.uuid), {source.type, source.data});
    QTRY_ALL_MATCH(model, ours, originals);

    const QString bs = o1->addItem(QStringLiteral("beamsplitter"), props(30, 30, 90, {{QLatin1String("ratio"), 0.5}}));
    QVERIFY(o1->initialSyncComplete()); // else the original would not even send its add
    model.items.insert(bs, {QStringLiteral("beamsplitter"), props(30, 30, 90, {{QLatin1String("ratio"), 0.5}})});
    QTRY_ALL_MATCH(model, ours, originals);

    QString lens;
    for (auto it = model.items.cbegin(); it != model.items.cend(); ++it)
        if (it->type == QLatin1String("lens"))
            lens = it.key();
    QVERIFY(ours2->scene()->moveItem(QUuid::fromString(lens), 15, 2, 10, ChangeOrigin::Local, nullptr));
    model.items[lens].data = props(15, 2, 10, {{QLatin1String("focal_length_mm"), 100.0}});
    QTRY_ALL_MATCH(model, ours, originals);

    o2->updateItem(lens, {{QLatin1String("focal_length_mm"), 75.0}});
    model.items[lens].data.insert(QLatin1String("focal_length_mm"), 75.0);
    QTRY_ALL_MATCH(model, ours, originals);

    QVERIFY(ours1->scene()->updateItem(source.uuid, {{QLatin1String("wavelength_nm"), 532.0}}, ChangeOrigin::Local, nullptr));
    model.items[idOf(source.uuid)].data.insert(QLatin1String("wavelength_nm"), 532.0);
    QTRY_ALL_MATCH(model, ours, originals);

    host->moveItem(bs, 31, 32, 0);
    model.items[bs].data = props(31, 32, 0, {{QLatin1String("ratio"), 0.5}});
    QTRY_ALL_MATCH(model, ours, originals);

    QString mirror;
    for (auto it = model.items.cbegin(); it != model.items.cend(); ++it)
        if (it->type == QLatin1String("mirror"))
            mirror = it.key();
    o1->removeItem(mirror);
    model.items.remove(mirror);
    QTRY_ALL_MATCH(model, ours, originals);

    // The host leaves; the session goes on without it.
    host->disconnectFromServer();
    QTRY_VERIFY(!host->isConnected());
    originals.removeOne(host.get());
    const SceneItem text{QUuid::createUuid(), QStringLiteral("text"), props(0, -40, 0, {{QLatin1String("text"), QStringLiteral("λ/2 ✓")}})};
    QVERIFY(ours2->scene()->addItem(text, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(text.uuid), {text.type, text.data});
    QTRY_ALL_MATCH(model, ours, originals);

    // One of ours loses its connection; edits meanwhile on both sides.
    QSignalSpy resumed(&ours1->client, &CollabClient::joined);
    auto *socket = ours1->client.findChild<QWebSocket *>();
    QVERIFY(socket);
    socket->abort();
    o2->moveItem(idOf(text.uuid), 1, -41, 0);
    model.items[idOf(text.uuid)].data = props(1, -41, 0, {{QLatin1String("text"), QStringLiteral("λ/2 ✓")}});
    QTRY_COMPARE_WITH_TIMEOUT(resumed.size(), 1, Wait);
    QTRY_ALL_MATCH(model, ours, originals);

    // The host comes back (its stale canvas still shows the mirror): it takes the session's scene.
    host->join(ourUrl(), m_session, OriginalClient::Role::Host);
    QVERIFY(host->waitConnected(Wait));
    originals.append(host.get());
    QTRY_ALL_MATCH(model, ours, originals);

    // Late joiners, one of each; the host pushes its canvas to each of them:
    // that changes nothing anywhere.
    auto o3 = joinOriginal(ourUrl(), QStringLiteral("o3"), OriginalClient::Role::Client);
    auto ours3 = joinOurs(ourUrl(), QStringLiteral("ours3"), SyncManager::JoinMode::ReplaceLocalScene, true);
    QVERIFY(o3 && ours3);
    originals.append(o3.get());
    ours.append(ours3.get());
    QTRY_ALL_MATCH(model, ours, originals);

    // And they edit too.
    o3->updateItem(bs, {{QLatin1String("ratio"), 0.3}});
    model.items[bs].data.insert(QLatin1String("ratio"), 0.3);
    QTRY_ALL_MATCH(model, ours, originals);
    QVERIFY(ours3->scene()->removeItem(source.uuid, ChangeOrigin::Local, nullptr));
    model.items.remove(idOf(source.uuid));
    QTRY_ALL_MATCH(model, ours, originals);
    QCOMPARE(ourServerState(m_session), model.dump());
}

void TestMixed::originalClientsOnlyOnOurServer()
{
    Model model;
    auto host = joinOriginal(ourUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host,
                             {{{}, QStringLiteral("lens"), props(1, 2, 3, {{QLatin1String("focal_length_mm"), 50.0}}), true}});
    QVERIFY(host);
    for (const OriginalClient::Item &i : host->canvas())
        model.items.insert(i.uuid, {i.type, i.properties});
    auto a = joinOriginal(ourUrl(), QStringLiteral("a"), OriginalClient::Role::Client);
    auto b = joinOriginal(ourUrl(), QStringLiteral("b"), OriginalClient::Role::Client);
    QVERIFY(a && b);
    QList<OriginalClient *> originals{host.get(), a.get(), b.get()};
    QTRY_ALL_MATCH(model, {}, originals);

    const QString m = a->addItem(QStringLiteral("mirror"), props(5, 5, 0));
    model.items.insert(m, {QStringLiteral("mirror"), props(5, 5, 0)});
    QTRY_ALL_MATCH(model, {}, originals);
    const QString s = b->addItem(QStringLiteral("source"), props(-5, 0, 0, {{QLatin1String("wavelength_nm"), 1064.0}}));
    model.items.insert(s, {QStringLiteral("source"), props(-5, 0, 0, {{QLatin1String("wavelength_nm"), 1064.0}})});
    QTRY_ALL_MATCH(model, {}, originals);
    b->moveItem(m, 6, 7, 8);
    model.items[m].data = props(6, 7, 8);
    QTRY_ALL_MATCH(model, {}, originals);
    host->updateItem(s, {{QLatin1String("wavelength_nm"), 780.0}});
    model.items[s].data.insert(QLatin1String("wavelength_nm"), 780.0);
    QTRY_ALL_MATCH(model, {}, originals);

    // The host leaves; an edit meanwhile; it comes back; a late joiner.
    host->disconnectFromServer();
    QTRY_VERIFY(!host->isConnected());
    originals.removeOne(host.get());
    a->removeItem(s);
    model.items.remove(s);
    QTRY_ALL_MATCH(model, {}, originals);
    host->join(ourUrl(), m_session, OriginalClient::Role::Host);
    QVERIFY(host->waitConnected(Wait));
    originals.append(host.get());
    auto c = joinOriginal(ourUrl(), QStringLiteral("c"), OriginalClient::Role::Client);
    QVERIFY(c);
    originals.append(c.get());
    QTRY_ALL_MATCH(model, {}, originals);
    c->updateItem(m, {{QLatin1String("label"), QStringLiteral("M1")}});
    model.items[m].data.insert(QLatin1String("label"), QStringLiteral("M1"));
    QTRY_ALL_MATCH(model, {}, originals);
    QCOMPARE(ourServerState(m_session), model.dump());
}

void TestMixed::originalHostKeepsItsCanvasOnOurServer()
{
    // Alone in a new session, an original host asks for the state: an empty
    // answer would wipe its canvas, so none comes until someone joins, and
    // then its push is what everyone gets.
    Model model;
    auto host = joinOriginal(ourUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host,
                             {{{}, QStringLiteral("lens"), props(1, 0, 0), true},
                              {{}, QStringLiteral("slm"), props(2, 0, 0, {{QLatin1String("pixels"), 1920}}), true},
                              {{}, QStringLiteral("ruler"), props(3, 0, 0), true}});
    QVERIFY(host);
    for (const OriginalClient::Item &i : host->canvas())
        model.items.insert(i.uuid, {i.type, i.properties});
    // It may edit its canvas before anyone joins: the moved item is taken whole.
    host->moveItem(host->canvas().constLast().uuid, 3, 9, 0);
    model.items[host->canvas().constLast().uuid].data = props(3, 9, 0);
    auto ours = joinOurs(ourUrl(), QStringLiteral("ours"));
    auto o = joinOriginal(ourUrl(), QStringLiteral("o"), OriginalClient::Role::Client);
    QVERIFY(ours && o);
    QTRY_ALL_MATCH(model, {ours.get()}, (QList<OriginalClient *>{host.get(), o.get()}));
    for (const QString &id : model.items.keys())
        QCOMPARE(host->copies(id), 1);
}

void TestMixed::originalHostJoiningAfterOursSharesItsCanvas()
{
    // One of ours opened the session and nothing was added yet; an original
    // host joins with its canvas: it is told of the member already there (so
    // it pushes, as to any joiner) and keeps its canvas.
    auto ours = joinOurs(ourUrl(), QStringLiteral("ours"));
    QVERIFY(ours);
    Model model;
    auto host = joinOriginal(ourUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host,
                             {{{}, QStringLiteral("waveplate"), props(4, 4, 0, {{QLatin1String("retardance"), 0.25}}), true}});
    QVERIFY(host);
    for (const OriginalClient::Item &i : host->canvas())
        model.items.insert(i.uuid, {i.type, i.properties});
    // And an original client, which does not push, still gets its answer.
    auto o = joinOriginal(ourUrl(), QStringLiteral("o"), OriginalClient::Role::Client);
    QVERIFY(o);
    QTRY_ALL_MATCH(model, {ours.get()}, (QList<OriginalClient *>{host.get(), o.get()}));
    QTRY_VERIFY(o->initialSyncComplete());
    const QString added = o->addItem(QStringLiteral("mirror"), props(0, 0, 0));
    model.items.insert(added, {QStringLiteral("mirror"), props(0, 0, 0)});
    QTRY_ALL_MATCH(model, {ours.get()}, (QList<OriginalClient *>{host.get(), o.get()}));
}

void TestMixed::stalePushNeitherWipesNorResurrects()
{
    Model model;
    auto host = joinOriginal(ourUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host);
    auto ours = joinOurs(ourUrl(), QStringLiteral("ours"));
    QVERIFY(host && ours);
    const SceneItem a{QUuid::createUuid(), QStringLiteral("lens"), props(1, 1)};
    const SceneItem b{QUuid::createUuid(), QStringLiteral("mirror"), props(2, 2)};
    QVERIFY(ours->scene()->addItem(a, ChangeOrigin::Local, nullptr));
    QVERIFY(ours->scene()->addItem(b, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(a.uuid), {a.type, a.data});
    model.items.insert(idOf(b.uuid), {b.type, b.data});
    QTRY_ALL_MATCH(model, {ours.get()}, {host.get()});
    const QJsonObject stale = host->currentState(); // a, b as they were

    // Then b is removed, c added and a moved: the host composes its push too late.
    QVERIFY(ours->scene()->removeItem(b.uuid, ChangeOrigin::Local, nullptr));
    const SceneItem c{QUuid::createUuid(), QStringLiteral("source"), props(3, 3)};
    QVERIFY(ours->scene()->addItem(c, ChangeOrigin::Local, nullptr));
    QVERIFY(ours->scene()->moveItem(a.uuid, 9, 9, 9, ChangeOrigin::Local, nullptr));
    model.items.remove(idOf(b.uuid));
    model.items.insert(idOf(c.uuid), {c.type, c.data});
    model.items[idOf(a.uuid)].data = props(9, 9, 9);
    QTRY_ALL_MATCH(model, {ours.get()}, {host.get()});
    const int statesBefore = host->fullStatesApplied;
    host->pushState(stale, QStringLiteral("someone"));
    // The pusher is answered with the session's scene; nothing else changes.
    QTRY_COMPARE(host->fullStatesApplied, statesBefore + 1);
    QTRY_ALL_MATCH(model, {ours.get()}, {host.get()});
    // An empty push (an original host with an empty canvas) wipes nothing either.
    host->pushState(QJsonObject{{QLatin1String("items"), QJsonArray()}, {QLatin1String("version"), 0}}, QStringLiteral("x"));
    QTRY_COMPARE(host->fullStatesApplied, statesBefore + 2);
    QTRY_ALL_MATCH(model, {ours.get()}, {host.get()});
    // A stale edit of the removed item (the host still moving it) does not
    // bring it back; the host is told to remove it.
    const int before = host->copies(idOf(b.uuid));
    QCOMPARE(before, 0);
    host->addItemLocallyOnly(idOf(b.uuid), b.type, b.data);
    host->moveItem(idOf(b.uuid), 5, 5, 0);
    QTRY_COMPARE(host->copies(idOf(b.uuid)), 0);
    QTRY_ALL_MATCH(model, {ours.get()}, {host.get()});
    QCOMPARE(ourServerState(m_session), model.dump());
}

void TestMixed::wireShapesForOriginalClients()
{
    auto ours = joinOurs(ourUrl(), QStringLiteral("ours"));
    QVERIFY(ours);
    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), props(1, 2, 3, {{QLatin1String("focal_length_mm"), 100.0}})};
    QVERIFY(ours->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    auto o = joinOriginal(ourUrl(), QStringLiteral("o"), OriginalClient::Role::Client);
    QVERIFY(o);
    QTRY_COMPARE(o->copies(idOf(lens.uuid)), 1);

    // sync:full_state items are flat: properties at top level, uuid, item_type.
    QJsonObject state;
    for (const QJsonObject &m : std::as_const(o->received))
        if (m.value(QLatin1String("type")) == QLatin1String("sync:full_state"))
            state = m;
    QVERIFY(!state.isEmpty());
    const QJsonArray items = state.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray();
    QCOMPARE(items.size(), 1);
    const QJsonObject flat = items.at(0).toObject();
    QJsonObject expected = lens.data;
    expected.insert(QLatin1String("uuid"), idOf(lens.uuid));
    expected.insert(QLatin1String("item_type"), QLatin1String("lens"));
    QCOMPARE(flat, expected); // no item_id, no data, no identity key among the properties

    // add_item and update_item of ours carry item_uuid and the whole item in data.
    const SceneItem mirror{QUuid::createUuid(), QStringLiteral("mirror"), props(4, 5, 6)};
    QVERIFY(ours->scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    QVERIFY(ours->scene()->updateItem(lens.uuid, {{QLatin1String("focal_length_mm"), 80.0}}, ChangeOrigin::Local, nullptr));
    QVERIFY(ours->scene()->moveItem(mirror.uuid, 7, 8, 9, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(o->dump(), ours->dump());
    QList<QJsonObject> commands;
    for (const QJsonObject &m : std::as_const(o->received))
        if (m.value(QLatin1String("type")) == QLatin1String("command"))
            commands.append(m.value(QLatin1String("command")).toObject());
    QCOMPARE(commands.size(), 3);
    QJsonObject addData = mirror.data;
    addData.insert(QLatin1String("item_uuid"), idOf(mirror.uuid));
    QCOMPARE(commands.at(0).value(QLatin1String("action")).toString(), QStringLiteral("add_item"));
    QCOMPARE(commands.at(0).value(QLatin1String("data")).toObject(), addData);
    QJsonObject updateData = ours->scene()->item(lens.uuid).data;
    updateData.insert(QLatin1String("item_uuid"), idOf(lens.uuid));
    QCOMPARE(commands.at(1).value(QLatin1String("action")).toString(), QStringLiteral("update_item"));
    QCOMPARE(commands.at(1).value(QLatin1String("data")).toObject(), updateData);
    QCOMPARE(commands.at(2).value(QLatin1String("action")).toString(), QStringLiteral("move_item"));
    const QJsonObject moveData = commands.at(2).value(QLatin1String("data")).toObject();
    QCOMPARE(moveData.value(QLatin1String("x_mm")).toDouble(), 7.0); // both, or an original ignores the move
    QCOMPARE(moveData.value(QLatin1String("y_mm")).toDouble(), 8.0);

    // What an original sends (identity inside data) is stored without it.
    o->updateItem(idOf(mirror.uuid), {{QLatin1String("label"), QStringLiteral("M")}});
    QTRY_COMPARE(ours->scene()->item(mirror.uuid).data.value(QLatin1String("label")).toString(), QStringLiteral("M"));
    const QJsonObject stored = ours->scene()->item(mirror.uuid).data;
    for (const char *key : {"uuid", "item_uuid", "item_id", "item_type"})
        QVERIFY2(!stored.contains(QLatin1String(key)), key);
}

void TestMixed::mixedTeamOnOriginalServer()
{
    Model model;
    auto host = joinOriginal(originalUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host);
    QVERIFY(host);
    // The original server answers the host's sync:request with its empty
    // stored state, which wipes the host's canvas: it starts empty.
    QTRY_COMPARE(host->fullStatesApplied, 1);
    const QString lens = host->addItem(QStringLiteral("lens"), props(1, 1, 0, {{QLatin1String("focal_length_mm"), 100.0}}));
    model.items.insert(lens, {QStringLiteral("lens"), props(1, 1, 0, {{QLatin1String("focal_length_mm"), 100.0}})});
    auto ours1 = joinOurs(originalUrl(), QStringLiteral("ours1"));
    auto o1 = joinOriginal(originalUrl(), QStringLiteral("o1"), OriginalClient::Role::Client);
    QVERIFY(ours1 && o1);
    QList<Ours *> ours{ours1.get()};
    QList<OriginalClient *> originals{host.get(), o1.get()};
    // Our joiner gets the host's state (its push on user:joined).
    QTRY_ALL_MATCH(model, ours, originals);

    const SceneItem mirror{QUuid::createUuid(), QStringLiteral("mirror"), props(2, 2, 45)};
    QVERIFY(ours1->scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(mirror.uuid), {mirror.type, mirror.data});
    QTRY_ALL_MATCH(model, ours, originals);
    QVERIFY(ours1->scene()->updateItem(mirror.uuid, {{QLatin1String("label"), QStringLiteral("M1")}}, ChangeOrigin::Local, nullptr));
    model.items[idOf(mirror.uuid)].data.insert(QLatin1String("label"), QStringLiteral("M1"));
    QTRY_ALL_MATCH(model, ours, originals);
    QVERIFY(ours1->scene()->moveItem(mirror.uuid, 3, 3, 0, ChangeOrigin::Local, nullptr));
    model.items[idOf(mirror.uuid)].data = props(3, 3, 0, {{QLatin1String("label"), QStringLiteral("M1")}});
    QTRY_ALL_MATCH(model, ours, originals);
    o1->moveItem(idOf(mirror.uuid), 4, 4, 0);
    model.items[idOf(mirror.uuid)].data = props(4, 4, 0, {{QLatin1String("label"), QStringLiteral("M1")}});
    QTRY_ALL_MATCH(model, ours, originals);

    // Our late joiner receives the original host's state, with our items
    // under their own UUIDs.
    auto ours2 = joinOurs(originalUrl(), QStringLiteral("ours2"));
    QVERIFY(ours2);
    ours.append(ours2.get());
    QTRY_ALL_MATCH(model, ours, originals);
    QVERIFY(ours2->scene()->removeItem(QUuid::fromString(lens), ChangeOrigin::Local, nullptr));
    model.items.remove(lens);
    QTRY_ALL_MATCH(model, ours, originals);
    for (OriginalClient *o : originals)
        QCOMPARE(o->copies(idOf(mirror.uuid)), 1);
}

void TestMixed::ourHostFeedsLateJoinersOnOriginalServer()
{
    // Our client first in a session of an original server is its host: the
    // server keeps only what the host pushes, so ours pushes to every joiner.
    Model model;
    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), props(1, 0, 0)};
    auto host = std::make_unique<Ours>();
    QVERIFY(host->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    host->sync->setJoinMode(SyncManager::JoinMode::ShareLocalScene);
    QSignalSpy synced(host->sync.get(), &SyncManager::synchronized);
    host->client.connectToServer(originalUrl(), m_session, QStringLiteral("ourhost"));
    QVERIFY(synced.wait(Wait));
    QVERIFY(host->client.isHost());
    model.items.insert(idOf(lens.uuid), {lens.type, lens.data});
    auto o1 = joinOriginal(originalUrl(), QStringLiteral("o1"), OriginalClient::Role::Client);
    QVERIFY(o1);
    // Its join is over once it has the stored state, our push and the
    // answer to its sync:request (the original server's stored state: an
    // edit of ours made before that answer would be wiped there).
    QTRY_COMPARE(o1->fullStatesApplied, 3);
    QTRY_ALL_MATCH(model, {host.get()}, {o1.get()});
    const SceneItem mirror{QUuid::createUuid(), QStringLiteral("mirror"), props(2, 0, 0)};
    QVERIFY(host->scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(mirror.uuid), {mirror.type, mirror.data});
    QTRY_ALL_MATCH(model, {host.get()}, {o1.get()});
    // A late original joiner: the stored state is the push made for o1
    // (without the mirror); ours pushes again for it.
    auto o2 = joinOriginal(originalUrl(), QStringLiteral("o2"), OriginalClient::Role::Client);
    QVERIFY(o2);
    QTRY_COMPARE(o2->fullStatesApplied, 3);
    QTRY_ALL_MATCH(model, {host.get()}, (QList<OriginalClient *>{o1.get(), o2.get()}));
    QCOMPARE(m_original->storedState(m_session).value(QLatin1String("items")).toArray().size(), 2);
}

void TestMixed::ourEditSurvivesAStaleHostPushOnOriginalServer()
{
    Model model;
    auto host = joinOriginal(originalUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host);
    QVERIFY(host);
    auto ours = joinOurs(originalUrl(), QStringLiteral("ours"));
    auto o1 = joinOriginal(originalUrl(), QStringLiteral("o1"), OriginalClient::Role::Client);
    QVERIFY(ours && o1);
    QList<OriginalClient *> originals{host.get(), o1.get()};
    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), props(1, 1)};
    QVERIFY(ours->scene()->addItem(lens, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(lens.uuid), {lens.type, lens.data});
    QTRY_ALL_MATCH(model, {ours.get()}, originals);
    const QJsonObject beforeEdits = host->currentState();

    // Our add and update reach the host after it composed its push for a joiner.
    const SceneItem mirror{QUuid::createUuid(), QStringLiteral("mirror"), props(2, 2)};
    QVERIFY(ours->scene()->addItem(mirror, ChangeOrigin::Local, nullptr));
    QVERIFY(ours->scene()->updateItem(lens.uuid, {{QLatin1String("focal_length_mm"), 40.0}}, ChangeOrigin::Local, nullptr));
    model.items.insert(idOf(mirror.uuid), {mirror.type, mirror.data});
    model.items[idOf(lens.uuid)].data.insert(QLatin1String("focal_length_mm"), 40.0);
    QTRY_ALL_MATCH(model, {ours.get()}, originals);
    host->pushState(beforeEdits, QStringLiteral("late"));
    // o1 applies the stale push (it loses both edits) and ours re-sends them:
    // everyone ends with both, the host with one copy of the mirror.
    QTRY_ALL_MATCH(model, {ours.get()}, originals);
    QCOMPARE(host->copies(idOf(mirror.uuid)), 1);
    QCOMPARE(o1->copies(idOf(mirror.uuid)), 1);
}

void TestMixed::addingOurCanvasOnOriginalServer()
{
    // "Add my items" when connecting: ordinary adds, so original peers take
    // them under their UUIDs (a pushed state would replace their canvases).
    Model model;
    auto host = joinOriginal(originalUrl(), QStringLiteral("ohost"), OriginalClient::Role::Host);
    auto o1 = joinOriginal(originalUrl(), QStringLiteral("o1"), OriginalClient::Role::Client);
    QVERIFY(host && o1);
    QList<OriginalClient *> originals{host.get(), o1.get()};
    const QString a = host->addItem(QStringLiteral("lens"), props(1, 1));
    model.items.insert(a, {QStringLiteral("lens"), props(1, 1)});
    QTRY_ALL_MATCH(model, {}, originals);

    Ours ours;
    const SceneItem b{QUuid::createUuid(), QStringLiteral("mirror"), props(2, 2)};
    const SceneItem c{QUuid::createUuid(), QStringLiteral("source"), props(3, 3)};
    for (const SceneItem &item : {b, c}) {
        QVERIFY(ours.scene()->addItem(item, ChangeOrigin::Local, nullptr));
        model.items.insert(idOf(item.uuid), {item.type, item.data});
    }
    // An older copy of the host's lens (ours was in the session before): the
    // original server's state arrives before our adds go, so it is not sent.
    const SceneItem olderA{QUuid(a), QStringLiteral("lens"), props(9, 9)};
    QVERIFY(ours.scene()->addItem(olderA, ChangeOrigin::Local, nullptr));
    ours.sync->setJoinMode(SyncManager::JoinMode::AddLocalScene);
    // What is checked is the merge once the state has come, not the default
    // wait: on a loaded machine the original host's push can take longer.
    ours.sync->setOriginalStateWaitMs(Wait);
    QSignalSpy synced(ours.sync.get(), &SyncManager::synchronized);
    ours.client.connectToServer(originalUrl(), m_session, QStringLiteral("ours"));
    QVERIFY(synced.wait(Wait));
    QTRY_ALL_MATCH(model, {&ours}, originals);
    for (OriginalClient *o : originals) {
        QCOMPARE(o->copies(a), 1);
        QCOMPARE(o->copies(idOf(b.uuid)), 1);
        QCOMPARE(o->copies(idOf(c.uuid)), 1);
    }
}

QTEST_MAIN(TestMixed)
#include "tst_mixed.moc"
