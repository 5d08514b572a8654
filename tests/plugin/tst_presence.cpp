// SPDX-License-Identifier: MIT
// Presence end to end: participants made of the host stub's real scene, view
// and presence overlay, each with a CollaborationSession and a
// PresenceManager, talking through a real CollabServer on loopback.
#include "CollabServer.h"
#include "CollaborationSession.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "MinimalHost.h"
#include "PluginManager.h"
#include "PresenceManager.h"
#include "PresenceOverlay.h"
#include "RemotePointerItem.h"
#include "UserColor.h"

#include <optiverse/iplugin.h>

#include <QElapsedTimer>
#include <QGraphicsPathItem>
#include <QGraphicsView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMouseEvent>
#include <QPluginLoader>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QWebSocket>
#include <memory>

using namespace Optiverse;
using namespace Optiverse::Collab;

namespace {

/// One user: the host stub's scene and canvas with its IPresenceHost, and the
/// plugin's session controller and presence manager on top.
struct Participant
{
    HostScene scene;
    QGraphicsView view{scene.graphicsScene()};
    PresenceOverlay overlay{&scene, &view};
    CollaborationSession session{&scene};
    PresenceManager presence{&overlay, session.client()};

    Participant()
    {
        view.resize(400, 300);
        session.client()->setReconnectBackoff(50, 200);
    }
    CollabClient *client() { return session.client(); }
    QString id() { return session.client()->userId(); }

    /// Moves the mouse over the canvas the way Qt delivers it; returns the
    /// scene position (mm) the host reports for it.
    QPointF movePointer(const QPoint &pixel)
    {
        QMouseEvent move(QEvent::MouseMove, QPointF(pixel), view.viewport()->mapToGlobal(QPointF(pixel)),
                         Qt::NoButton, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(view.viewport(), &move);
        return view.mapToScene(pixel);
    }
    void pointerLeaves()
    {
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(view.viewport(), &leave);
    }
    void select(const QList<QUuid> &uuids)
    {
        scene.graphicsScene()->clearSelection();
        for (const QUuid &u : uuids)
            scene.findItem(u)->setSelected(true);
    }
    bool has(const QUuid &uuid) const { return scene.findItem(uuid) != nullptr; }
};

SceneItem lens(double x)
{
    return {QUuid::createUuid(), QStringLiteral("lens"),
            QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0}}};
}

bool near(const QPointF &a, const QPointF &b)
{
    return QLineF(a, b).length() < 1e-6;
}

} // namespace

class TestPresence : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void pointerShownWithNameAndColour();
    void selectionOutlinedInUserColour();
    void leavingRemovesPointerAndOutlines();
    void idlePointerIsRemoved();
    void lateJoinerSeesWhereOthersAre();
    void hostWithoutPresenceStillSyncs();
    void presenceIsThrottledAndNeverDelaysEdits();
    void originalClientsNeverReceivePresence();
    void closingTheHostWindowLeavesAndStopsItsServer();

private:
    std::unique_ptr<Participant> join(const QString &name, SyncManager::JoinMode mode);
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->port())); }

    QTemporaryDir m_config;
    std::unique_ptr<CollabServer> m_server;
};

void TestPresence::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8()); // the host stub's plugin settings
    QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_presence"));
}

void TestPresence::init()
{
    m_server = std::make_unique<CollabServer>();
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
}

void TestPresence::cleanup()
{
    m_server.reset();
}

std::unique_ptr<Participant> TestPresence::join(const QString &name, SyncManager::JoinMode mode)
{
    auto p = std::make_unique<Participant>();
    QSignalSpy synced(p->session.sync(), &SyncManager::synchronized);
    p->session.join(url(), QStringLiteral("lab"), name, mode);
    if (!synced.wait(5000))
        return nullptr;
    return p;
}

void TestPresence::pointerShownWithNameAndColour()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);

    const QPointF first = a->movePointer(QPoint(120, 80));
    QTRY_VERIFY(b->overlay.remotePointer(a->id()));
    RemotePointerItem *pointer = b->overlay.remotePointer(a->id());
    QTRY_VERIFY(near(pointer->pos(), first));
    QCOMPARE(pointer->name(), QStringLiteral("alice"));
    // alice's colour slot, as the server gave it and bob learnt it.
    QVERIFY(b->client()->colorIndexOf(a->id()) >= 0);
    QCOMPARE(b->client()->colorIndexOf(a->id()), a->client()->colorIndexOf(a->id()));
    QCOMPARE(pointer->color(), UserColor::forUser(a->id(), a->client()->colorIndexOf(a->id())));
    QVERIFY(!a->overlay.remotePointer(a->id())); // nobody sees their own pointer drawn

    const QPointF second = a->movePointer(QPoint(300, 200));
    QTRY_VERIFY(near(b->overlay.remotePointer(a->id())->pos(), second));

    a->pointerLeaves(); // off the canvas: gone for the others too
    QTRY_VERIFY(!b->overlay.remotePointer(a->id()));

    // And the other way round, in bob's own colour.
    b->movePointer(QPoint(10, 10));
    QTRY_VERIFY(a->overlay.remotePointer(b->id()));
    QCOMPARE(a->overlay.remotePointer(b->id())->name(), QStringLiteral("bob"));
    const QColor bobColor = UserColor::forUser(b->id(), b->client()->colorIndexOf(b->id()));
    QCOMPARE(a->overlay.remotePointer(b->id())->color(), bobColor);
    QVERIFY(UserColor::forUser(a->id(), a->client()->colorIndexOf(a->id())) != bobColor);
}

void TestPresence::selectionOutlinedInUserColour()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);
    const SceneItem one = lens(-40), two = lens(40), three = lens(120);
    for (const SceneItem &item : {one, two, three})
        QVERIFY(a->scene.addItem(item, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(b->has(one.uuid) && b->has(two.uuid) && b->has(three.uuid));

    a->select({one.uuid, two.uuid});
    QTRY_VERIFY(b->overlay.remoteSelectionOutline(a->id()));
    QGraphicsPathItem *outline = b->overlay.remoteSelectionOutline(a->id());
    QCOMPARE(outline->pen().color(), UserColor::forUser(a->id(), a->client()->colorIndexOf(a->id())));
    QTRY_VERIFY(outline->path().boundingRect().contains(b->scene.findItem(one.uuid)->sceneBoundingRect()));
    QVERIFY(outline->path().boundingRect().contains(b->scene.findItem(two.uuid)->sceneBoundingRect()));
    QVERIFY(!outline->path().intersects(b->scene.findItem(three.uuid)->sceneBoundingRect()));
    QVERIFY(b->scene.selectedUuids().isEmpty()); // bob's own selection is untouched

    // The outline follows the item when alice moves it.
    QVERIFY(a->scene.moveItem(two.uuid, 40, 60, 0, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(b->scene.findItem(two.uuid)->pos(), QPointF(40, 60));
    QVERIFY(outline->path().boundingRect().contains(b->scene.findItem(two.uuid)->sceneBoundingRect()));

    a->select({});
    QTRY_VERIFY(!b->overlay.remoteSelectionOutline(a->id()));
}

void TestPresence::leavingRemovesPointerAndOutlines()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);
    const SceneItem item = lens(0);
    QVERIFY(a->scene.addItem(item, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(b->has(item.uuid));
    a->movePointer(QPoint(50, 50));
    a->select({item.uuid});
    QTRY_VERIFY(b->overlay.remotePointer(a->id()) && b->overlay.remoteSelectionOutline(a->id()));

    const QString alice = a->id();
    QSignalSpy left(b->client(), &CollabClient::userLeft);
    a->session.leave();
    QVERIFY(left.wait(5000));
    QVERIFY(!b->overlay.remotePointer(alice));
    QVERIFY(!b->overlay.remoteSelectionOutline(alice));
    QVERIFY(b->has(item.uuid)); // only the overlays go, not alice's work
}

void TestPresence::idlePointerIsRemoved()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);
    constexpr int IdleMs = 800;
    b->presence.setIdleTimeout(IdleMs);

    QElapsedTimer sinceMove;
    a->movePointer(QPoint(40, 40));
    sinceMove.start();
    QTRY_VERIFY(b->overlay.remotePointer(a->id()));
    QTRY_VERIFY_WITH_TIMEOUT(!b->overlay.remotePointer(a->id()), 5000);
    QVERIFY2(sinceMove.elapsed() >= IdleMs, qPrintable(QString::number(sinceMove.elapsed())));

    a->movePointer(QPoint(60, 40)); // back from idle: shown again
    QTRY_VERIFY(b->overlay.remotePointer(a->id()));
}

void TestPresence::lateJoinerSeesWhereOthersAre()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QVERIFY(a);
    const SceneItem item = lens(0);
    QVERIFY(a->scene.addItem(item, ChangeOrigin::Local, nullptr));
    const QPointF at = a->movePointer(QPoint(70, 30));
    a->select({item.uuid});
    // Bob arrives after alice stopped moving: he still sees her pointer and selection.
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(b);
    QTRY_VERIFY(b->overlay.remotePointer(a->id()) && b->overlay.remoteSelectionOutline(a->id()));
    QVERIFY(near(b->overlay.remotePointer(a->id())->pos(), at));
}

void TestPresence::hostWithoutPresenceStillSyncs()
{
    // The real plugin in a host written from interfaces/ alone, which offers no IPresenceHost.
    MinimalHost minimal;
    QVERIFY(!queryInterface<IPresenceHost>(&minimal));
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    auto *plugin = qobject_cast<IPlugin *>(loader.instance());
    QVERIFY2(plugin, qPrintable(loader.errorString()));
    QString error;
    QVERIFY2(plugin->initialize(&minimal,
                                {QStringLiteral("--collab-connect"), url().toString(), QStringLiteral("--collab-session"),
                                 QStringLiteral("lab"), QStringLiteral("--collab-name"), QStringLiteral("minimal")},
                                &error),
             qPrintable(error));
    auto *status = minimal.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));

    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(b);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (2 users)"));
    // Bob's presence goes out as usual; the minimal host just has nothing to draw it on.
    const SceneItem fromBob = lens(10);
    QVERIFY(b->scene.addItem(fromBob, ChangeOrigin::Local, nullptr));
    b->movePointer(QPoint(20, 20));
    b->select({fromBob.uuid});
    QTRY_VERIFY(!minimal.memoryScene().item(fromBob.uuid).uuid.isNull());

    const SceneItem fromMinimal = lens(-10);
    QVERIFY(minimal.memoryScene().addItem(fromMinimal, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(b->has(fromMinimal.uuid));
    QVERIFY(minimal.memoryScene().moveItem(fromBob.uuid, 5, 6, 7, ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(b->scene.findItem(fromBob.uuid)->pos(), QPointF(5, 6));
    QVERIFY(!b->overlay.remotePointer(QStringLiteral("minimal"))); // it never sent presence
    QVERIFY(!b->overlay.remoteSelectionOutline(QStringLiteral("minimal")));

    plugin->shutdown();
    QVERIFY(loader.unload());
}

void TestPresence::presenceIsThrottledAndNeverDelaysEdits()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);

    // Everything bob receives from alice, in order.
    QElapsedTimer clock;
    clock.start();
    struct Arrival
    {
        qint64 atMs;
        bool presence;
        QPointF pointer;
    };
    QList<Arrival> arrivals;
    connect(b->client(), &CollabClient::messageReceived, this, [&](const Message &m) {
        if (m.userId() != a->id())
            return;
        const QJsonObject p = m.json().value(QLatin1String("pointer")).toObject();
        arrivals.append({clock.elapsed(), m.type() == Message::Type::Presence,
                         QPointF(p.value(QLatin1String("x_mm")).toDouble(), p.value(QLatin1String("y_mm")).toDouble())});
    });

    // A fast mouse: 1,000 moves, ten per millisecond tick (about a second, longer
    // on a busy machine), then an edit at once.
    const SceneItem edit = lens(7);
    int moves = 0;
    QPointF last;
    qint64 burstStart = -1, editSentAt = -1;
    QTimer mouse;
    mouse.setTimerType(Qt::PreciseTimer);
    mouse.setInterval(1);
    connect(&mouse, &QTimer::timeout, this, [&] {
        if (burstStart < 0)
            burstStart = clock.elapsed();
        for (int i = 0; i < 10; ++i)
            last = a->movePointer(QPoint(moves % 400, (moves / 400) * 100 + moves % 100)), ++moves;
        if (moves == 1000) {
            mouse.stop();
            editSentAt = clock.elapsed();
            a->scene.addItem(edit, ChangeOrigin::Local, nullptr);
        }
    });
    mouse.start();
    QTRY_VERIFY_WITH_TIMEOUT(b->has(edit.uuid), 20000);
    // The last position still arrives (throttling coalesces, it never loses the end).
    QTRY_VERIFY(b->overlay.remotePointer(a->id()) && near(b->overlay.remotePointer(a->id())->pos(), last));

    const qint64 burstMs = editSentAt - burstStart;
    int presenceCount = 0, editIndex = -1;
    for (int i = 0; i < arrivals.size(); ++i) {
        if (arrivals.at(i).presence)
            ++presenceCount;
        else if (editIndex < 0)
            editIndex = i;
    }
    QVERIFY(editIndex >= 0);
    const qint64 editArrivedAt = arrivals.at(editIndex).atMs; // when bob's client decoded it
    qInfo("%d pointer moves over %lld ms -> %d presence messages; edit after %lld ms", moves, burstMs,
          presenceCount, editArrivedAt - editSentAt);
    QVERIFY(presenceCount >= 2);
    // ~30 Hz: one message per 33 ms of burst, plus the first one and the final position.
    QVERIFY2(presenceCount <= burstMs / 33 + 2,
             qPrintable(QStringLiteral("%1 messages in %2 ms").arg(presenceCount).arg(burstMs)));
    // The edit does not queue behind pointer traffic: it overtakes the final,
    // still throttled position and arrives promptly.
    bool finalPositionBeforeEdit = false;
    for (int i = 0; i < editIndex; ++i)
        finalPositionBeforeEdit = finalPositionBeforeEdit || (arrivals.at(i).presence && near(arrivals.at(i).pointer, last));
    QVERIFY(!finalPositionBeforeEdit);
    QVERIFY2(editArrivedAt - editSentAt < 1000, qPrintable(QString::number(editArrivedAt - editSentAt)));
    QCOMPARE(a->client()->state(), CollabClient::State::Connected); // never rate-limited off the server
}

void TestPresence::originalClientsNeverReceivePresence()
{
    auto a = join(QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    auto b = join(QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(a && b);

    // An original Optiverse client: plain WebSocket, no X-Optiverse-Capabilities header.
    QWebSocket original;
    QStringList types;
    QSet<QString> itemsSeen;
    connect(&original, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
        const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
        types.append(o.value(QLatin1String("type")).toString());
        itemsSeen.insert(o.value(QLatin1String("command")).toObject().value(QLatin1String("item_id")).toString());
    });
    original.open(QUrl(url().toString() + QStringLiteral("/ws/lab/carol")));
    QTRY_VERIFY(types.contains(QStringLiteral("connection:ack")));

    const SceneItem item = lens(0);
    QVERIFY(a->scene.addItem(item, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(b->has(item.uuid));
    QSignalSpy presenceAtBob(b->client(), &CollabClient::messageReceived);
    a->movePointer(QPoint(30, 30));
    a->select({item.uuid});
    QTRY_VERIFY(b->overlay.remotePointer(a->id()) && b->overlay.remoteSelectionOutline(a->id()));
    // The server handles alice's messages in order: once her next edit reaches
    // carol, any presence relayed to carol would already have arrived.
    QVERIFY(a->scene.moveItem(item.uuid, 9, 9, 0, ChangeOrigin::Local, nullptr));
    QTRY_VERIFY(itemsSeen.contains(item.uuid.toString(QUuid::WithoutBraces))
                && types.count(QStringLiteral("command")) >= 2);
    QVERIFY2(!types.contains(QStringLiteral("presence")), qPrintable(types.join(QLatin1Char(' '))));
    original.close();
}

void TestPresence::closingTheHostWindowLeavesAndStopsItsServer()
{
    // The host stub with the real plugin, hosting in-process and joined to it.
    auto window = std::make_unique<HostMainWindow>();
    PluginManager *plugins = window->pluginManager();
    plugins->discover({QStringLiteral(PLUGIN_DIR)});
    plugins->setPluginArguments({QStringLiteral("--collab-host"), QStringLiteral("127.0.0.1:0"),
                                 QStringLiteral("--collab-session"), QStringLiteral("lab"),
                                 QStringLiteral("--collab-name"), QStringLiteral("alice")});
    QString error;
    QVERIFY2(plugins->enablePlugin(QStringLiteral("Collaboration"), false, &error), qPrintable(error));
    auto *status = window->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));
    // The tooltip names the server the user can share.
    const QString tip = status->toolTip();
    const qsizetype at = tip.indexOf(QStringLiteral("ws://127.0.0.1:"));
    QVERIFY2(at >= 0, qPrintable(tip));
    const QUrl hosted(tip.mid(at, tip.indexOf(QLatin1Char('\n'), at) - at));
    QVERIFY(hosted.port() > 0);

    Participant bob;
    QSignalSpy synced(bob.session.sync(), &SyncManager::synchronized);
    bob.session.join(hosted, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QVERIFY(synced.wait(5000));
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (2 users)"));

    // Quitting would end bob's session: asked first, in words.
    QStringList asked;
    bool answer = false;
    window->setLeaveConfirmation([&](const QStringList &warnings) {
        asked += warnings;
        return answer;
    });
    window->show();
    QVERIFY(!window->close()); // what File → Quit does; the user says no
    QCOMPARE(asked, QStringList{QStringLiteral("1 other user connected to the server running in this window. "
                                               "It stops, and their session ends.")});
    QVERIFY(window->isVisible());
    QCOMPARE(bob.client()->state(), CollabClient::State::Connected);
    // Disabling the plugin asks the same.
    QVERIFY(!plugins->mayDisable(QStringLiteral("Collaboration")));
    QCOMPARE(asked.size(), 2);
    QCOMPARE(bob.client()->state(), CollabClient::State::Connected);

    answer = true;
    QVERIFY(window->close());
    QTRY_VERIFY(bob.client()->state() != CollabClient::State::Connected);
    QTRY_VERIFY2(bob.client()->serverStopped(), "bob is told the host stopped the server");
    QTcpSocket probe; // the in-process server is gone with the window's session
    probe.connectToHost(QHostAddress::LocalHost, quint16(hosted.port()));
    QVERIFY(!probe.waitForConnected(2000));
    QCOMPARE(probe.error(), QAbstractSocket::ConnectionRefusedError);
    bob.session.leave();
    window.reset();
}

QTEST_MAIN(TestPresence)
#include "tst_presence.moc"
