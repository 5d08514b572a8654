// SPDX-License-Identifier: MIT
// The real plugin loaded with QPluginLoader into a MinimalHost, driven as a
// user would (menu, dialog, status bar), against the real server process.
// Nothing of the plugin's code is linked into this test: one copy of it (the
// loaded library) runs, as in a real host.
#include "HostMainWindow.h"
#include "MinimalHost.h"
#include "PluginManager.h"
#include "ServerProcess.h"

#include <optiverse/iplugin.h>
#include <optiverse/ipresencehost.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkRequest>
#include <QPluginLoader>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QWebSocket>

#include <algorithm>

class TestPluginLoaded : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void menuFollowsTheState();
    void unsharedEditIsShownInTheStatusBar();
    void refusedItemIsToldInTheStatusBar();
    void hostWithoutPresenceStillSyncs();
    void closingTheHostWindowLeavesAndStopsItsServer();

private:
    template<typename T> static T *child(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QString::fromLatin1(name));
    }
    static quint16 freePort();
    QTemporaryDir m_config;
};

void TestPluginLoaded::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8()); // the dialog remembers values
    QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_pluginloaded"));
}

quint16 TestPluginLoaded::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost))
        return 0;
    return probe.serverPort();
}

namespace {
Optiverse::SceneItem lens(double x)
{
    return {QUuid::createUuid(), QStringLiteral("lens"),
            QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0}}};
}

/// The real plugin loaded into a MinimalHost; shut down (unless the test did)
/// and unloaded when it goes, so no plugin object outlives its library.
struct LoadedPlugin
{
    MinimalHost host;
    QPluginLoader loader{QStringLiteral(PLUGIN_PATH)};
    Optiverse::IPlugin *plugin = nullptr;
    bool running = false;

    /// Loads and initialises it with @p args; false and @p error if either fails.
    bool start(const QStringList &args, QString *error)
    {
        plugin = qobject_cast<Optiverse::IPlugin *>(loader.instance());
        if (!plugin) {
            *error = loader.errorString();
            return false;
        }
        running = plugin->initialize(&host, args, error);
        return running;
    }
    void shutdown()
    {
        if (running)
            plugin->shutdown();
        running = false;
    }
    ~LoadedPlugin()
    {
        shutdown();
        loader.unload();
    }
};

/// A participant on a raw WebSocket speaking the original protocol (plus
/// presence), recording everything the server sends it.
struct RawPeer
{
    QWebSocket socket;
    QList<QJsonObject> received;
    QString name;

    bool join(const ServerProcess &server, const QString &who) { return join(server.url(), who); }
    bool join(QUrl url, const QString &who)
    {
        name = who;
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString &text) { received.append(QJsonDocument::fromJson(text.toUtf8()).object()); });
        url.setPath(QStringLiteral("/ws/lab/") + who);
        QNetworkRequest request(url);
        request.setRawHeader("X-Optiverse-Capabilities", "presence");
        socket.open(request);
        return QTest::qWaitFor([this] { return count("connection:ack") > 0; }, 10000);
    }
    int count(const char *type, const QString &from = {}) const
    {
        return int(std::count_if(received.cbegin(), received.cend(), [&](const QJsonObject &m) {
            return m.value(QLatin1String("type")).toString() == QLatin1String(type)
                && (from.isEmpty() || m.value(QLatin1String("user_id")).toString() == from);
        }));
    }
    void send(const QJsonObject &message)
    {
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    }
    void command(const char *action, const QString &type, const QString &id, const QJsonObject &data)
    {
        send({{QLatin1String("type"), QLatin1String("command")},
              {QLatin1String("user_id"), name},
              {QLatin1String("command"), QJsonObject{{QLatin1String("action"), QLatin1String(action)},
                                                     {QLatin1String("item_type"), type},
                                                     {QLatin1String("item_id"), id},
                                                     {QLatin1String("data"), data}}}});
    }
};

QJsonObject pose(double x)
{
    return {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 2.0}, {QLatin1String("angle_deg"), 0.0}};
}
} // namespace

void TestPluginLoaded::menuFollowsTheState()
{
    ServerProcess server;
    QVERIFY(server.start());
    QString error;
    LoadedPlugin loaded;
    QVERIFY2(loaded.start({}, &error), qPrintable(error));
    QMainWindow *window = loaded.host.mainWindow();
    QMenu *menu = nullptr;
    for (QAction *a : window->menuBar()->actions())
        if (a->menu() && a->menu()->objectName() == QLatin1String("CollaborationMenu"))
            menu = a->menu();
    QVERIFY(menu);
    auto *connectAction = menu->findChild<QAction *>(QStringLiteral("CollaborationConnectAction"));
    auto *disconnectAction = menu->findChild<QAction *>(QStringLiteral("CollaborationDisconnectAction"));
    auto *status = window->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(connectAction && disconnectAction && status);
    QVERIFY(connectAction->isEnabled());
    QVERIFY(!disconnectAction->isEnabled());

    // Connect through the dialog the menu opens.
    connectAction->trigger();
    auto *dialog = window->findChild<QDialog *>(QStringLiteral("CollaborationDialog"));
    QVERIFY(dialog && dialog->isVisible());
    child<QRadioButton>(dialog, "connectMode")->setChecked(true);
    child<QLineEdit>(dialog, "serverUrl")->setText(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
    child<QLineEdit>(dialog, "connectSession")->setText(QStringLiteral("lab"));
    child<QLineEdit>(dialog, "connectName")->setText(QStringLiteral("alice"));
    child<QPushButton>(dialog, "connectButton")->click();
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));
    QVERIFY(!connectAction->isEnabled()); // one session at a time
    QVERIFY(disconnectAction->isEnabled());

    disconnectAction->trigger();
    QCOMPARE(status->text(), QStringLiteral("Not connected"));
    QVERIFY(connectAction->isEnabled());
    QVERIFY(!disconnectAction->isEnabled());

    // Hosting: the dialog stays reachable (to share the URL or stop the server).
    const quint16 port = freePort();
    QVERIFY(port);
    connectAction->trigger();
    QTRY_VERIFY((dialog = window->findChild<QDialog *>(QStringLiteral("CollaborationDialog")))
                && dialog->isVisible());
    child<QRadioButton>(dialog, "hostMode")->setChecked(true);
    child<QComboBox>(dialog, "listenAddress")->setCurrentText(QStringLiteral("127.0.0.1"));
    child<QSpinBox>(dialog, "port")->setValue(port);
    child<QCheckBox>(dialog, "autoConnect")->setChecked(true);
    child<QPushButton>(dialog, "startStop")->click();
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));
    QVERIFY(connectAction->isEnabled());
    QVERIFY(disconnectAction->isEnabled());

    disconnectAction->trigger(); // leaves and stops the in-process server
    QCOMPARE(status->text(), QStringLiteral("Not connected"));
    QCOMPARE(child<QPushButton>(dialog, "startStop")->text(), QStringLiteral("&Start Server"));
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!probe.waitForConnected(2000));
    QVERIFY(connectAction->isEnabled());
    QVERIFY(!disconnectAction->isEnabled());

    // Quitting the host (shutdown) while hosting: the server goes with it.
    child<QPushButton>(dialog, "startStop")->click();
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));
    loaded.shutdown();
    QTcpSocket after;
    after.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!after.waitForConnected(2000));
    QVERIFY(!window->findChild<QDialog *>(QStringLiteral("CollaborationDialog")));
}


void TestPluginLoaded::unsharedEditIsShownInTheStatusBar()
{
    // An edit larger than the server accepts stays local: the user must see that.
    ServerProcess server;
    QVERIFY(server.start({QStringLiteral("--max-message-bytes"), QStringLiteral("4096")}));
    QString error;
    LoadedPlugin loaded;
    const QStringList args{QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1:%1").arg(server.port()),
                           QStringLiteral("--collab-name"), QStringLiteral("alice")};
    QVERIFY2(loaded.start(args, &error), qPrintable(error));
    auto *status = loaded.host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));

    const Optiverse::SceneItem item = lens(1);
    QVERIFY(loaded.host.memoryScene().addItem(item, Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(loaded.host.memoryScene().updateItem(item.uuid, {{QLatin1String("label"), QString(5000, QLatin1Char('x'))}},
                                          Optiverse::ChangeOrigin::Local, nullptr));
    QTRY_VERIFY2(status->text().contains(QLatin1String("too large to share")), qPrintable(status->text()));
    QVERIFY(status->text().contains(item.uuid.toString(QUuid::WithoutBraces)));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Connected (1 user)"), 10000); // a notice, not a state
    QVERIFY(server.isRunning());
}


void TestPluginLoaded::refusedItemIsToldInTheStatusBar()
{
    // A host that cannot show an item type refuses it; the user is told once,
    // in words, and the item stays in the session.
    ServerProcess server;
    QVERIFY(server.start());
    LoadedPlugin loaded;
    loaded.host.memoryScene().refusedTypes = {QStringLiteral("slm")};
    QString error;
    QVERIFY2(loaded.start({QStringLiteral("--collab-connect"), server.url().toString(), QStringLiteral("--collab-session"),
                           QStringLiteral("lab"), QStringLiteral("--collab-name"), QStringLiteral("alice")},
                          &error),
             qPrintable(error));
    auto *status = loaded.host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));

    // bob, an original-protocol peer on a raw WebSocket, adds an SLM and moves it.
    RawPeer bob;
    QVERIFY(bob.join(server, QStringLiteral("bob")));
    const QString slm = QUuid::createUuid().toString(QUuid::WithoutBraces);
    bob.command("add_item", QStringLiteral("slm"), slm, pose(1));
    QTRY_COMPARE(status->text(), QStringLiteral("bob added an item of type 'slm', which this application cannot show"));
    bob.command("move_item", QStringLiteral("slm"), slm, pose(5));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Connected (2 users)"), 10000); // a notice, said once
    QVERIFY(loaded.host.memoryScene().item(QUuid::fromString(slm)).uuid.isNull());
    // A later item still arrives; alice never sent anything about the SLM (no removal, no re-send).
    const QString lensId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    bob.command("add_item", QStringLiteral("lens"), lensId, pose(3));
    QTRY_VERIFY(!loaded.host.memoryScene().item(QUuid::fromString(lensId)).uuid.isNull());
    QCOMPARE(status->text(), QStringLiteral("Connected (2 users)"));
    QCOMPARE(bob.count("command", QStringLiteral("alice")), 0);
}

void TestPluginLoaded::hostWithoutPresenceStillSyncs()
{
    // The real plugin in a host written from interfaces/ alone, which offers no IPresenceHost.
    ServerProcess server;
    QVERIFY(server.start());
    LoadedPlugin loaded;
    QVERIFY(!Optiverse::queryInterface<Optiverse::IPresenceHost>(&loaded.host));
    QString error;
    QVERIFY2(loaded.start({QStringLiteral("--collab-connect"), server.url().toString(), QStringLiteral("--collab-session"),
                           QStringLiteral("lab"), QStringLiteral("--collab-name"), QStringLiteral("minimal")},
                          &error),
             qPrintable(error));
    auto *status = loaded.host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE(status->text(), QStringLiteral("Connected (1 user)"));

    RawPeer bob;
    QVERIFY(bob.join(server, QStringLiteral("bob")));
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Connected (2 users)"), 10000);
    // Bob's presence goes out as usual; the minimal host just has nothing to draw it on.
    const QString fromBob = QUuid::createUuid().toString(QUuid::WithoutBraces);
    bob.command("add_item", QStringLiteral("lens"), fromBob, pose(10));
    bob.send({{QLatin1String("type"), QLatin1String("presence")},
              {QLatin1String("user_id"), QLatin1String("bob")},
              {QLatin1String("pointer"), QJsonObject{{QLatin1String("x_mm"), 20.0}, {QLatin1String("y_mm"), 20.0}}},
              {QLatin1String("selection"), QJsonArray{fromBob}}});
    MemoryScene &scene = loaded.host.memoryScene();
    QTRY_VERIFY(!scene.item(QUuid::fromString(fromBob)).uuid.isNull());

    const Optiverse::SceneItem fromMinimal = lens(-10);
    QVERIFY(scene.addItem(fromMinimal, Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(scene.moveItem(QUuid::fromString(fromBob), 5, 6, 7, Optiverse::ChangeOrigin::Local, nullptr));
    QTRY_COMPARE(bob.count("command", QStringLiteral("minimal")), 2);
    QCOMPARE(bob.count("presence", QStringLiteral("minimal")), 0); // it never sends presence
}

void TestPluginLoaded::closingTheHostWindowLeavesAndStopsItsServer()
{
    // The host stub with the real plugin, hosting in-process and joined to it.
    auto window = std::make_unique<HostMainWindow>();
    PluginManager *plugins = window->pluginManager();
    plugins->discover({QFileInfo(QStringLiteral(PLUGIN_PATH)).absolutePath()});
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

    RawPeer bob;
    bool bobGone = false;
    connect(&bob.socket, &QWebSocket::disconnected, this, [&] { bobGone = true; });
    QVERIFY(bob.join(hosted, QStringLiteral("bob")));
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
    QVERIFY(!bobGone);
    // Disabling the plugin asks the same.
    QVERIFY(!plugins->mayDisable(QStringLiteral("Collaboration")));
    QCOMPARE(asked.size(), 2);
    QVERIFY(!bobGone);

    answer = true;
    QVERIFY(window->close());
    QTRY_VERIFY(bobGone);
    QCOMPARE(bob.socket.closeCode(), QWebSocketProtocol::CloseCodeGoingAway); // told the server stopped
    QTcpSocket probe; // the in-process server is gone with the window's session
    probe.connectToHost(QHostAddress::LocalHost, quint16(hosted.port()));
    QVERIFY(!probe.waitForConnected(2000));
    QCOMPARE(probe.error(), QAbstractSocket::ConnectionRefusedError);
    window.reset();
}

QTEST_MAIN(TestPluginLoaded)
#include "tst_pluginloaded.moc"
