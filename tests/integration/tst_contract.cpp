// SPDX-License-Identifier: MIT
// Contract 1.1 through real sockets and a real CollabServer: key deletion
// (ISceneKeys) between host-stub scenes, a 1.0 host and the server's state;
// data kept as received; an item a host refuses.
#include "CollabClient.h"
#include "CollabServer.h"
#include "Command.h"
#include "HostScene.h"
#include "MemoryScene.h"
#include "SyncManager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

/// A participant: a scene (the host stub's, which offers ISceneKeys, or a
/// MemoryScene, a 1.0 host without it), a client and a SyncManager.
template<typename Scene>
struct Peer
{
    Scene scene;
    CollabClient client;
    SyncManager sync{&scene, &client};
};

QJsonObject pose(double x)
{
    return {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0}};
}

const QString kCoating = QStringLiteral("coating");

} // namespace

class TestContract : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void removedKeysAreValidated_data();
    void removedKeysAreValidated();
    void undoOfAnAddedKeyRemovesItEverywhere();
    void receivedItemIsReportedAsReceived();
    void refusedItemIsToldOnceAndKeptInTheSession();

private:
    template<typename Scene>
    std::unique_ptr<Peer<Scene>> join(const QString &name,
                                      SyncManager::JoinMode mode = SyncManager::JoinMode::ReplaceLocalScene)
    {
        auto peer = std::make_unique<Peer<Scene>>();
        if constexpr (std::is_same_v<Scene, HostScene>)
            peer->sync.setSceneKeys(&peer->scene); // what the plugin gets from queryInterface
        peer->sync.setJoinMode(mode);
        QSignalSpy synced(&peer->sync, &SyncManager::synchronized);
        peer->client.connectToServer(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->port())),
                                     QStringLiteral("lab"), name);
        if (!synced.wait(10000))
            return nullptr;
        return peer;
    }
    /// The session's state as a fresh participant (storing data as received) gets it.
    QJsonObject serverItem(const QUuid &uuid)
    {
        auto observer = join<MemoryScene>(QStringLiteral("observer"));
        return observer ? observer->scene.item(uuid).data : QJsonObject{{QLatin1String("error"), true}};
    }
    std::unique_ptr<CollabServer> m_server;
};

void TestContract::init()
{
    m_server = std::make_unique<CollabServer>();
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
}

void TestContract::cleanup()
{
    m_server.reset();
}

void TestContract::removedKeysAreValidated_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // empty: valid
    const QByteArray head = R"({"action":"update_item","item_type":"lens","item_id":"a","data":{"x_mm":1,"f":2},)";
    QTest::newRow("valid") << head + R"("changed_keys":[],"removed_keys":["coating"]})" << QString();
    QTest::newRow("in data") << head + R"("removed_keys":["f"]})" << QStringLiteral("removed_keys must name");
    QTest::newRow("pose key") << head + R"("removed_keys":["y_mm"]})" << QStringLiteral("removed_keys must name");
    QTest::newRow("twice") << head + R"("removed_keys":["c","c"]})" << QStringLiteral("removed_keys must name");
    QTest::newRow("not a string") << head + R"("removed_keys":[3]})" << QStringLiteral("removed_keys must name");
    QTest::newRow("not an array") << head + R"("removed_keys":"c"})" << QStringLiteral("removed_keys must be an array");
    QTest::newRow("on a move")
        << QByteArray(R"({"action":"move_item","item_id":"a","data":{},"removed_keys":["c"]})")
        << QStringLiteral("removed_keys is for update_item");
    QStringList many;
    for (int i = 0; i <= Command::MaxRemovedKeys; ++i)
        many << QStringLiteral("\"k%1\"").arg(i);
    QTest::newRow("too many") << head + "\"removed_keys\":[" + many.join(QLatin1Char(',')).toUtf8() + "]}"
                              << QStringLiteral("at most 256 keys");
}

void TestContract::removedKeysAreValidated()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    Command c;
    QString why;
    const bool ok = Command::fromJson(QJsonDocument::fromJson(json).object(), &c, &why);
    QCOMPARE(ok, error.isEmpty());
    QVERIFY2(why.contains(error), qPrintable(why));
    if (ok) {
        QCOMPARE(c.removedKeys, QStringList{QStringLiteral("coating")});
        QVERIFY(c.effectiveKeys().isEmpty()); // changed_keys [] with removals: nothing set
        // On the wire an update also names its item in data, for original peers.
        QJsonObject expected = QJsonDocument::fromJson(json).object();
        QJsonObject data = expected.value(QLatin1String("data")).toObject();
        data.insert(QLatin1String("item_uuid"), expected.value(QLatin1String("item_id")));
        expected.insert(QLatin1String("data"), data);
        QCOMPARE(c.toJson(), expected);
    }
}

void TestContract::undoOfAnAddedKeyRemovesItEverywhere()
{
    auto alice = join<HostScene>(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto bob = join<HostScene>(QStringLiteral("bob"));
    auto carol = join<MemoryScene>(QStringLiteral("carol")); // a 1.0 host: no ISceneKeys
    QVERIFY(alice && bob && carol);
    QSignalSpy dropped(&alice->sync, &SyncManager::editDropped);

    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), pose(5)};
    QVERIFY(alice->scene.addItem(lens, ChangeOrigin::Local, nullptr));
    QString error;
    QVERIFY2(alice->scene.updateItem(lens.uuid, {{kCoating, QStringLiteral("AR")}}, ChangeOrigin::Local, &error),
             qPrintable(error));
    QTRY_COMPARE(bob->scene.item(lens.uuid).data.value(kCoating).toString(), QStringLiteral("AR"));
    QTRY_COMPARE(carol->scene.item(lens.uuid).data.value(kCoating).toString(), QStringLiteral("AR"));

    // Edit > Undo in alice's host: the key goes, in every host and on the server.
    alice->scene.undoStack()->undo();
    QCOMPARE(alice->scene.item(lens.uuid).data, lens.data);
    QTRY_COMPARE(bob->scene.item(lens.uuid).data, lens.data);
    QTRY_COMPARE(carol->scene.item(lens.uuid).data, lens.data); // re-created without it
    QTRY_COMPARE(alice->sync.unacknowledgedCount(), 0);
    QCOMPARE(serverItem(lens.uuid), lens.data);
    QCOMPARE(bob->scene.undoStack()->count(), 0); // remote deletions are not bob's to undo
    QCOMPARE(dropped.count(), 0);

    // Redo puts it back everywhere, and ISceneKeys::removeKeys deletes it as an edit of its own.
    alice->scene.undoStack()->redo();
    QTRY_COMPARE(carol->scene.item(lens.uuid).data.value(kCoating).toString(), QStringLiteral("AR"));
    QVERIFY(bob->scene.removeKeys(lens.uuid, {kCoating}, ChangeOrigin::Local, &error));
    QTRY_COMPARE(alice->scene.item(lens.uuid).data, lens.data);
    QTRY_COMPARE(carol->scene.item(lens.uuid).data, lens.data);
    QTRY_COMPARE(bob->sync.unacknowledgedCount(), 0);
    QCOMPARE(serverItem(lens.uuid), lens.data);
    QCOMPARE(alice->scene.undoStack()->count(), 2); // add, update: bob's deletion is not alice's
}

void TestContract::receivedItemIsReportedAsReceived()
{
    // A host stub receiving minimal data stores exactly that: no type
    // defaults, so it ends identical to a host that stores data as received.
    auto stub = join<HostScene>(QStringLiteral("stub"), SyncManager::JoinMode::ShareLocalScene);
    auto minimal = join<MemoryScene>(QStringLiteral("minimal"));
    QVERIFY(stub && minimal);
    const SceneItem bare{QUuid::createUuid(), QStringLiteral("beamsplitter"), pose(1)};
    const SceneItem waveplate{QUuid::createUuid(), QStringLiteral("waveplate"),
                              QJsonObject{{QLatin1String("x_mm"), 2.0}, {QLatin1String("y_mm"), 3.0},
                                          {QLatin1String("angle_deg"), 4.0}, {QLatin1String("z_value"), 7}}};
    QVERIFY(minimal->scene.addItem(bare, ChangeOrigin::Local, nullptr));
    QVERIFY(minimal->scene.addItem(waveplate, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!stub->scene.item(waveplate.uuid).uuid.isNull());
    QCOMPARE(QJsonDocument(stub->scene.item(bare.uuid).data).toJson(), QJsonDocument(bare.data).toJson());
    QCOMPARE(stub->scene.item(waveplate.uuid), waveplate);
    QCOMPARE(stub->scene.findItem(waveplate.uuid)->zValue(), 7.0); // drawn on top of the z_value 0 one
    QCOMPARE(QJsonDocument(stub->scene.toJson()).toJson(), minimal->scene.dump());
}

void TestContract::refusedItemIsToldOnceAndKeptInTheSession()
{
    auto alice = join<MemoryScene>(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto bob = join<MemoryScene>(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    bob->scene.refusedTypes = {QStringLiteral("slm")};
    QSignalSpy told(&bob->sync, &SyncManager::editDropped);
    QSignalSpy applied(&bob->sync, &SyncManager::remoteCommandApplied);

    const SceneItem slm{QUuid::createUuid(), QStringLiteral("slm"), pose(0)};
    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), pose(9)};
    QVERIFY(alice->scene.addItem(slm, ChangeOrigin::Local, nullptr));
    QVERIFY(alice->scene.moveItem(slm.uuid, 1, 2, 3, ChangeOrigin::Local, nullptr));
    QVERIFY(alice->scene.updateItem(slm.uuid, {{QLatin1String("width_mm"), 10.0}}, ChangeOrigin::Local, nullptr));
    QVERIFY(alice->scene.addItem(lens, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(!bob->scene.item(lens.uuid).uuid.isNull()); // everything before it was handled too

    QCOMPARE(told.count(), 1);
    QCOMPARE(told.first().first().toString(),
             QStringLiteral("alice added an item of type 'slm', which this application cannot show"));
    QVERIFY(bob->scene.item(slm.uuid).uuid.isNull());
    QCOMPARE(applied.count(), 1); // only the lens: the slm was not applied
    QCOMPARE(bob->sync.commandsSent(), quint64(0)); // no removal, no re-send
    // Still in the session, as alice left it.
    QCOMPARE(serverItem(slm.uuid).value(QLatin1String("width_mm")).toDouble(), 10.0);
    QVERIFY(!alice->scene.item(slm.uuid).uuid.isNull());
}

QTEST_MAIN(TestContract)
#include "tst_contract.moc"
