// SPDX-License-Identifier: MIT
// The dialog and the status widget, offscreen, driven by real state changes
// through a real server on loopback.
#include "CollabServer.h"
#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "MemoryScene.h"
#include "MinimalHost.h"
#include "StatusWidget.h"
#include "UserColor.h"


#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QWebSocket>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace Optiverse::Collab;

class TestUi : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void connectValidation_data();
    void connectValidation();
    void hostPortInUseIsReported();
    void statusErrorUsesTheRoomTheStatusBarHas();
    void hostStartsServerJoinsAndSharesUrl();
    void statusFollowsTheSession();
    void closedPortFailsClearlyAfterThreeAttempts();
    void droppedConnectionOffersReconnectNow();
    void hostHandOverIsShown();
    void lastValuesAreRemembered();
    void usersListShowsNamesAndColours();
    void usersListShowsAndHandsOverTheOwner();
    void ownerIsRememberedAcrossRestarts();
    void errorIsShownWithTheReason();
    void replaceCanvasAsksFirst();
    void addingTheCanvasToASession();
    void rejoinAsksReplaceOrBringChanges();
    void pastedSessionUrlFillsTheFields();
    void closingWithTheUrlFieldFocusedIsSafe();
    void shareUrlFollowsTheFieldsAndHostingLocksThem();
    void aloneInANewSessionIsToldWhereTheOthersAre();
    void hostPageShowsTheServerStartedElsewhere();
    void errorBannerNeitherSqueezesNorLeavesAGap();
    void mnemonicsAreUniquePerPage();
    void returnTriggersTheVisiblePagesAction();
    void tabOrderFollowsTheLayout();
    void sizesToTheVisiblePage();
    void errorBannerReadableInLightAndDark();
    void firstDozenUsersLookDifferent();

private:
    template<typename T> static T *child(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QString::fromLatin1(name));
    }
    /// Connect page with @p url, @p session and @p name typed in (empty: left as they are).
    static void fillConnectPage(CollaborationDialog *dialog, const QString &url, const QString &session,
                                const QString &name)
    {
        dialog->setMode(CollaborationDialog::Mode::Connect);
        child<QLineEdit>(dialog, "serverUrl")->setText(url);
        if (!session.isEmpty())
            child<QLineEdit>(dialog, "connectSession")->setText(session);
        if (!name.isEmpty())
            child<QLineEdit>(dialog, "connectName")->setText(name);
    }
    /// Starts @p server on a free loopback port; its ws:// URL, or empty (with a warning).
    static QString listenOnLoopback(CollabServer *server)
    {
        QString error;
        if (!server->listen(QHostAddress::LocalHost, 0, &error)) {
            qWarning("cannot listen on loopback: %s", qPrintable(error));
            return {};
        }
        return QStringLiteral("ws://127.0.0.1:%1").arg(server->port());
    }
    static quint16 freePort();
    /// The row texts of @p status's user list, as the user opens it.
    static QStringList userRows(StatusWidget *status)
    {
        status->click();
        QMenu *list = status->usersMenu();
        if (!QTest::qWaitFor([list] { return list->isVisible(); }, 5000))
            return {};
        QStringList rows;
        for (QAction *row : list->actions())
            rows.append(row->text());
        list->close();
        return rows;
    }
    /// The "Make owner" action of @p userId's row in @p status's user list (null: none).
    static QAction *makeOwnerAction(StatusWidget *status, const QString &userId)
    {
        status->click();
        QMenu *list = status->usersMenu();
        if (!QTest::qWaitFor([list] { return list->isVisible(); }, 5000))
            return nullptr;
        QAction *found = nullptr;
        for (QAction *row : list->actions())
            if (row->data().toString() == userId && row->menu())
                found = row->menu()->findChild<QAction *>(QStringLiteral("makeOwnerAction"));
        list->close();
        return found;
    }
    QTemporaryDir m_config;
};

quint16 TestUi::freePort()
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

QList<QUuid> uuids(const MemoryScene &scene)
{
    QList<QUuid> list;
    for (const Optiverse::SceneItem &item : scene.items())
        list.append(item.uuid);
    std::sort(list.begin(), list.end());
    return list;
}

/// WCAG contrast ratio of two colours (1 … 21).
double contrast(const QColor &a, const QColor &b)
{
    const auto luminance = [](const QColor &c) {
        const auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
    p.setColor(QPalette::ButtonText, QColor(0xe8, 0xe8, 0xe8));
    return p;
}

/// The mnemonic letter of a text ("Sess&ion" -> 'i'), or 0.
QChar mnemonic(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            if (text.at(i + 1) != QLatin1Char('&'))
                return text.at(i + 1).toLower();
            ++i;
        }
    }
    return QChar();
}
} // namespace

void TestUi::initTestCase()
{
    QVERIFY(m_config.isValid());
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_ui"));
}

void TestUi::connectValidation_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("session");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("error");
    QTest::newRow("http") << "http://192.168.1.100:8765" << "default" << "alice" << "Use a WebSocket URL: ws:// instead of http://";
    QTest::newRow("https") << "https://host:8765" << "default" << "alice" << "wss://";
    QTest::newRow("no port") << "ws://192.168.1.100" << "default" << "alice" << "The URL has no port";
    QTest::newRow("empty url") << "" << "default" << "alice" << "Enter the server URL";
    QTest::newRow("empty session") << "ws://127.0.0.1:8765" << "  " << "alice" << "Session ID must not be empty";
    QTest::newRow("empty name") << "ws://127.0.0.1:8765" << "default" << "" << "Your Name must not be empty";
    QTest::newRow("slash in name") << "ws://127.0.0.1:8765" << "default" << "a/b" << "must not contain '/'";
}

void TestUi::connectValidation()
{
    QFETCH(QString, url);
    QFETCH(QString, session);
    QFETCH(QString, name);
    QFETCH(QString, error);
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Connect); // empty fields too: they are what is checked
    child<QLineEdit>(&dialog, "serverUrl")->setText(url);
    child<QLineEdit>(&dialog, "connectSession")->setText(session);
    child<QLineEdit>(&dialog, "connectName")->setText(name);
    child<QPushButton>(&dialog, "connectButton")->click();
    QVERIFY2(dialog.errorText().contains(error), qPrintable(dialog.errorText()));
    QCOMPARE(s.client()->state(), CollabClient::State::Disconnected); // nothing was attempted
}

void TestUi::hostPortInUseIsReported()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost));
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    child<QComboBox>(&dialog, "listenAddress")->setCurrentText(QStringLiteral("localhost"));
    child<QSpinBox>(&dialog, "port")->setValue(occupant.serverPort());
    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY2(dialog.errorText().startsWith(QStringLiteral("Could not start the server:")), qPrintable(dialog.errorText()));
    QVERIFY2(dialog.errorText().contains(QStringLiteral("in use")), qPrintable(dialog.errorText()));
    QVERIFY(!s.isServerRunning());
    QCOMPARE(child<QPushButton>(&dialog, "startStop")->text(), QStringLiteral("&Start Server"));
}

void TestUi::hostStartsServerJoinsAndSharesUrl()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    child<QComboBox>(&dialog, "listenAddress")->setCurrentText(QStringLiteral("127.0.0.1"));
    QTcpServer probe; // a free port
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    child<QSpinBox>(&dialog, "port")->setValue(port);
    child<QLineEdit>(&dialog, "hostName")->setText(QStringLiteral("alice"));
    child<QLineEdit>(&dialog, "hostSession")->setText(QStringLiteral("optics"));
    child<QCheckBox>(&dialog, "autoConnect")->setChecked(true);
    QSignalSpy hosting(&s, &CollaborationSession::hostingSession);
    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QVERIFY(s.isServerRunning());
    QCOMPARE(child<QPushButton>(&dialog, "startStop")->text(), QStringLiteral("&Stop Server"));
    // The URL to share names the session: pasted into Connect, it joins this one.
    const QString shared = QStringLiteral("ws://127.0.0.1:%1/ws/optics").arg(port);
    QCOMPARE(child<QLineEdit>(&dialog, "shareUrl")->text(), shared);
    child<QPushButton>(&dialog, "copyUrl")->click();
    QCOMPARE(QApplication::clipboard()->text(), shared);
    QCOMPARE(hosting.size(), 1);
    QCOMPARE(hosting.at(0).at(1).toStringList(), QStringList{shared});
    QTRY_COMPARE(s.client()->state(), CollabClient::State::Connected);
    QCOMPARE(s.client()->session(), QStringLiteral("optics"));
    QCOMPARE(s.client()->userId(), QStringLiteral("alice"));
    QVERIFY(s.client()->isHost());

    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY(!s.isServerRunning());
    QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
}

void TestUi::statusFollowsTheSession()
{
    CollabServer server;
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));

    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    a.client()->setReconnectBackoff(2000, 4000);
    StatusWidget status(a.client());
    status.setNoticeDuration(300);
    QCOMPARE(status.text(), QStringLiteral("Not connected"));

    a.join(url, QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QCOMPARE(status.text(), QStringLiteral("Connecting..."));
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 user)"));
    QVERIFY(status.toolTip().contains(url.toDisplayString()));
    QVERIFY(status.toolTip().contains(QStringLiteral("lab")));

    b.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(status.text(), QStringLiteral("bob joined"));
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (2 users)"));
    b.leave();
    QTRY_COMPARE(status.text(), QStringLiteral("bob left"));
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 user)"));

    server.close(); // the host stops the server (1001): the client says so and retries by itself
    QTRY_VERIFY2(status.text().startsWith(QStringLiteral("Server stopped — reconnecting in ")), qPrintable(status.text()));
    QVERIFY(status.text().endsWith(QStringLiteral(" s…")));
    QVERIFY(!status.text().contains(QStringLiteral(" 0 s")));
    QVERIFY2(status.toolTip().contains(QStringLiteral("Connection lost: ")), qPrintable(status.toolTip()));
    QCOMPARE(status.accessibleName(), status.text());
    QCOMPARE(status.accessibleDescription(), status.toolTip());

    a.leave();
    QTRY_COMPARE(status.text(), QStringLiteral("Not connected"));
}

void TestUi::closedPortFailsClearlyAfterThreeAttempts()
{
    // A port nothing listens on: at most three attempts, then an error that
    // names the address and the cause in words; no endless reconnecting.
    const quint16 port = freePort();
    QVERIFY(port);
    MemoryScene scene;
    CollaborationSession c(&scene);
    c.client()->setReconnectBackoff(50, 200);
    StatusWidget refused(c.client());
    QSignalSpy states(c.client(), &CollabClient::stateChanged);
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(port);
    c.join(QUrl(url), QStringLiteral("lab"), QStringLiteral("carol"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(c.client()->state(), CollabClient::State::Disconnected);
    QCOMPARE(c.client()->attempts(), CollabClient::MaxFirstAttempts);
    QCOMPARE(refused.text(), QStringLiteral("Error: cannot reach %1 (connection refused: is the server running, is "
                                            "the port right?)").arg(url));
    QVERIFY(refused.toolTip().contains(refused.text()));
    QCOMPARE(refused.accessibleName(), refused.text());
    for (const QList<QVariant> &change : std::as_const(states)) // never "Reconnecting": it never worked
        QVERIFY(change.at(0).value<CollabClient::State>() != CollabClient::State::Reconnecting);
    QCOMPARE(c.sync()->participation(), SyncManager::Participation::NeverJoined);

    // The dialog, opened again, shows the error beside the fields.
    CollaborationDialog dialog(&c, 0);
    dialog.show();
    QCOMPARE(dialog.errorText(), refused.text());
}

void TestUi::droppedConnectionOffersReconnectNow()
{
    CollabServer server;
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    MemoryScene scene;
    CollaborationSession a(&scene);
    a.client()->setReconnectBackoff(60000, 60000); // only "Reconnect now" brings it back in time
    StatusWidget status(a.client());
    a.join(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.port())), QStringLiteral("lab"),
           QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 user)"));
    auto *socket = a.client()->findChild<QWebSocket *>();
    QVERIFY(socket);
    socket->abort(); // the network, not the server
    QTRY_VERIFY2(status.text().startsWith(QStringLiteral("Reconnecting in ")), qPrintable(status.text()));
    QVERIFY(status.toolTip().contains(QStringLiteral("Click to reconnect now")));
    QCOMPARE(a.sync()->participation(), SyncManager::Participation::Dropped);
    status.click();
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 user)"));
    QCOMPARE(a.sync()->participation(), SyncManager::Participation::InSession);
}

void TestUi::hostHandOverIsShown()
{
    CollabServer server;
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    StatusWidget status(b.client());
    status.setNoticeDuration(60000);
    a.join(url, QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(a.client()->state(), CollabClient::State::Connected);
    b.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(b.client()->users().size(), 2);
    QTRY_VERIFY2(status.toolTip().contains(QStringLiteral("Host: alice")), qPrintable(status.toolTip()));
    a.leave(); // the host leaves, the server runs on: the session goes on with bob hosting
    QTRY_COMPARE(status.text(), QStringLiteral("You host the session now"));
    QVERIFY2(status.toolTip().contains(QStringLiteral("Host: you")), qPrintable(status.toolTip()));
}

void TestUi::lastValuesAreRemembered()
{
    CollabServer server;
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    MemoryScene scene;
    CollaborationSession s(&scene);
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(server.port());
    {
        CollaborationDialog dialog(&s, 0);
        fillConnectPage(&dialog, url, QStringLiteral("project-alpha"), QStringLiteral("dora"));
        child<QPushButton>(&dialog, "connectButton")->click();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    QTRY_COMPARE(s.client()->state(), CollabClient::State::Connected);
    CollaborationDialog again(&s, 0);
    QCOMPARE(again.mode(), CollaborationDialog::Mode::Connect);
    QCOMPARE(child<QLineEdit>(&again, "serverUrl")->text(), url);
    QCOMPARE(child<QLineEdit>(&again, "connectSession")->text(), QStringLiteral("project-alpha"));
    QCOMPARE(child<QLineEdit>(&again, "connectName")->text(), QStringLiteral("dora"));
}

void TestUi::usersListShowsNamesAndColours()
{
    CollabServer server;
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    StatusWidget status(a.client());
    status.show();
    a.join(url, QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 user)"));
    b.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(a.client()->users().size(), 2);

    status.click();
    QMenu *list = status.usersMenu();
    QTRY_VERIFY(list->isVisible());
    QStringList names;
    for (QAction *row : list->actions()) {
        names.append(row->text());
        const QString id = row->data().toString();
        // The swatch is the user's colour, the one their pointer and outlines use.
        const QImage swatch = row->icon().pixmap(16, 16).toImage();
        QVERIFY(a.client()->colorIndexOf(id) >= 0);
        QCOMPARE(swatch.pixelColor(swatch.width() / 2, swatch.height() / 2).rgb(),
                 UserColor::forUser(id, a.client()->colorIndexOf(id)).rgb());
        QVERIFY(row->isEnabled()); // names readable, not greyed out
    }
    QCOMPARE(names, (QStringList{QStringLiteral("alice (you, owner) — host"), QStringLiteral("bob")}));
    list->close();

    // The list of the other side says the same, from bob's point of view.
    StatusWidget bobStatus(b.client());
    bobStatus.show();
    bobStatus.click();
    QTRY_VERIFY(bobStatus.usersMenu()->isVisible());
    names.clear();
    for (QAction *row : bobStatus.usersMenu()->actions())
        names.append(row->text());
    QCOMPARE(names, (QStringList{QStringLiteral("alice (owner) — host"), QStringLiteral("bob (you)")}));
}

void TestUi::usersListShowsAndHandsOverTheOwner()
{
    CollabServer server;
    const QUrl url(listenOnLoopback(&server));
    QVERIFY(!url.isEmpty());
    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    StatusWidget aliceStatus(a.client()), bobStatus(b.client());
    aliceStatus.setNoticeDuration(60000);
    bobStatus.setNoticeDuration(60000);
    aliceStatus.show();
    bobStatus.show();
    a.join(url, QStringLiteral("owned"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(a.client()->state(), CollabClient::State::Connected);
    b.join(url, QStringLiteral("owned"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(a.client()->users().size(), 2);
    QTRY_COMPARE(b.client()->users().size(), 2);

    // alice created the session: her list and bob's say she owns it.
    QCOMPARE(userRows(&aliceStatus), (QStringList{QStringLiteral("alice (you, owner) — host"), QStringLiteral("bob")}));
    QCOMPARE(userRows(&bobStatus), (QStringList{QStringLiteral("alice (owner) — host"), QStringLiteral("bob (you)")}));
    // Only the owner may hand it over: bob sees the action, greyed out.
    QAction *notHis = makeOwnerAction(&bobStatus, QStringLiteral("alice"));
    QVERIFY(notHis);
    QVERIFY(!notHis->isEnabled());
    QAction *make = makeOwnerAction(&aliceStatus, QStringLiteral("bob"));
    QVERIFY(make);
    QVERIFY(make->isEnabled());
    make->trigger();

    QTRY_COMPARE(bobStatus.text(), QStringLiteral("You own the session now"));
    QTRY_COMPARE(aliceStatus.text(), QStringLiteral("bob owns the session now"));
    QCOMPARE(userRows(&aliceStatus), (QStringList{QStringLiteral("alice (you) — host"), QStringLiteral("bob (owner)")}));
    QCOMPARE(userRows(&bobStatus), (QStringList{QStringLiteral("alice — host"), QStringLiteral("bob (you, owner)")}));
    QVERIFY(!makeOwnerAction(&aliceStatus, QStringLiteral("bob"))->isEnabled());
    QVERIFY(makeOwnerAction(&bobStatus, QStringLiteral("alice"))->isEnabled());
}

void TestUi::ownerIsRememberedAcrossRestarts()
{
    CollabServer server;
    const QUrl url(listenOnLoopback(&server));
    QVERIFY(!url.isEmpty());
    MemoryScene sceneA, sceneB;
    auto alice = std::make_unique<CollaborationSession>(&sceneA);
    alice->join(url, QStringLiteral("kept"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_VERIFY(alice->client()->isOwner());
    CollaborationSession bob(&sceneB);
    StatusWidget bobStatus(bob.client());
    bobStatus.show();
    bob.join(url, QStringLiteral("kept"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(bob.client()->users().size(), 2);
    // alice quits the application; bob is the longest connected now.
    alice.reset();
    QTRY_COMPARE(bob.client()->users().size(), 1);
    QTRY_VERIFY(bob.client()->isHost());
    QVERIFY(!bob.client()->isOwner());

    // Started again, her application finds her token in its settings.
    CollaborationSession again(&sceneA);
    again.join(url, QStringLiteral("kept"), QStringLiteral("alice"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(bob.client()->users().size(), 2);
    QTRY_VERIFY(again.client()->isOwner());
    QCOMPARE(userRows(&bobStatus), (QStringList{QStringLiteral("bob (you) — host"), QStringLiteral("alice (owner)")}));
}

void TestUi::errorIsShownWithTheReason()
{
    ServerConfig config;
    config.maxUsersPerSession = 1;
    CollabServer server(config);
    QString error;
    QVERIFY2(server.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    a.join(url, QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(a.client()->state(), CollabClient::State::Connected);

    StatusWidget status(b.client());
    b.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_VERIFY2(status.text().startsWith(QStringLiteral("Error: ")), qPrintable(status.text()));
    QCOMPARE(status.text(), QStringLiteral("Error: %1").arg(b.client()->lastError()));
    QVERIFY(status.text().contains(QStringLiteral("full")));
    QCOMPARE(b.client()->state(), CollabClient::State::Disconnected); // not retrying a full session
}

void TestUi::replaceCanvasAsksFirst()
{
    CollabServer server;
    const QString url = listenOnLoopback(&server);
    QVERIFY(!url.isEmpty());
    // The session already holds one item, from someone else.
    MemoryScene theirs;
    QVERIFY(theirs.addItem(lens(1), Optiverse::ChangeOrigin::Local, nullptr));
    CollaborationSession owner(&theirs);
    QSignalSpy ownerSynced(owner.sync(), &SyncManager::synchronized);
    owner.join(QUrl(url), QStringLiteral("lab"), QStringLiteral("owner"), SyncManager::JoinMode::ShareLocalScene);
    QVERIFY(ownerSynced.wait(5000));

    MemoryScene mine;
    QVERIFY(mine.addItem(lens(2), Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(mine.addItem(lens(3), Optiverse::ChangeOrigin::Local, nullptr));
    const QList<QUuid> before = uuids(mine);
    CollaborationSession s(&mine);
    CollaborationDialog dialog(&s, [&mine] { return int(mine.items().size()); });
    QList<int> asked;
    auto answer = CollaborationDialog::CanvasChoice::Cancel;
    dialog.setCanvasQuestion([&](int count) {
        asked.append(count);
        return answer;
    });
    fillConnectPage(&dialog, url, QStringLiteral("lab"), QStringLiteral("erin"));
    dialog.show();

    child<QPushButton>(&dialog, "connectButton")->click(); // Cancel: nothing happens
    QCOMPARE(asked, QList<int>{2});
    QVERIFY(dialog.isVisible());
    QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
    QCOMPARE(uuids(mine), before);

    QVERIFY(mine.addItem(lens(4), Optiverse::ChangeOrigin::Local, nullptr)); // counted when asked
    answer = CollaborationDialog::CanvasChoice::Replace;
    child<QPushButton>(&dialog, "connectButton")->click(); // join, take the session's canvas
    QCOMPARE(asked, (QList<int>{2, 3}));
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QTRY_COMPARE(uuids(mine), uuids(theirs));
    QCOMPARE(s.client()->state(), CollabClient::State::Connected);

    // An empty canvas has nothing to lose: no question.
    MemoryScene empty;
    CollaborationSession s2(&empty);
    CollaborationDialog quiet(&s2, [&empty] { return int(empty.items().size()); });
    quiet.setCanvasQuestion([&](int count) {
        asked.append(count);
        return CollaborationDialog::CanvasChoice::Cancel;
    });
    fillConnectPage(&quiet, url, {}, QStringLiteral("fred"));
    child<QPushButton>(&quiet, "connectButton")->click();
    QCOMPARE(asked.size(), 2);
    QTRY_COMPARE(uuids(empty), uuids(theirs));
}

void TestUi::addingTheCanvasToASession()
{
    CollabServer server;
    const QString url = listenOnLoopback(&server);
    QVERIFY(!url.isEmpty());
    // The session holds two items; erin's canvas has two of her own and an
    // older copy of one of the session's (she was in it before).
    MemoryScene theirs;
    const Optiverse::SceneItem shared = lens(1);
    QVERIFY(theirs.addItem(shared, Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(theirs.addItem(lens(2), Optiverse::ChangeOrigin::Local, nullptr));
    CollaborationSession owner(&theirs);
    QSignalSpy ownerSynced(owner.sync(), &SyncManager::synchronized);
    owner.join(QUrl(url), QStringLiteral("lab"), QStringLiteral("owner"), SyncManager::JoinMode::ShareLocalScene);
    QVERIFY(ownerSynced.wait(5000));

    MemoryScene mine;
    Optiverse::SceneItem olderCopy = shared;
    olderCopy.data.insert(QLatin1String("x_mm"), 99.0);
    const Optiverse::SceneItem b = lens(3), c = lens(4);
    for (const Optiverse::SceneItem &item : {olderCopy, b, c})
        QVERIFY(mine.addItem(item, Optiverse::ChangeOrigin::Local, nullptr));
    CollaborationSession s(&mine);
    CollaborationDialog dialog(&s, [&mine] { return int(mine.items().size()); });
    QList<int> asked;
    dialog.setCanvasQuestion([&](int count) {
        asked.append(count);
        return CollaborationDialog::CanvasChoice::AddToSession;
    });
    fillConnectPage(&dialog, url, QStringLiteral("lab"), QStringLiteral("erin"));
    child<QPushButton>(&dialog, "connectButton")->click();
    QCOMPARE(asked, QList<int>{3});
    QCOMPARE(dialog.result(), int(QDialog::Accepted));

    // Everyone ends with the session's two items and erin's two; the item the
    // session had keeps the session's version, in both canvases.
    QTRY_COMPARE(theirs.items().size(), 4);
    QTRY_COMPARE(s.sync()->unacknowledgedCount(), 0);
    QTRY_COMPARE(uuids(mine), uuids(theirs));
    for (const Optiverse::SceneItem &item : theirs.items())
        QCOMPARE(mine.item(item.uuid).data, item.data);
    QCOMPARE(theirs.item(shared.uuid).data, shared.data);
    QCOMPARE(theirs.item(b.uuid).data, b.data);
    QCOMPARE(theirs.item(c.uuid).data, c.data);
    // Only the two new items were sent: no add the server had to refuse.
    QCOMPARE(s.sync()->commandsSent(), quint64(2));
}

void TestUi::rejoinAsksReplaceOrBringChanges()
{
    CollabServer server;
    const QString url = listenOnLoopback(&server);
    QVERIFY(!url.isEmpty());
    MemoryScene alices;
    const Optiverse::SceneItem waveplate = lens(1);
    QVERIFY(alices.addItem(waveplate, Optiverse::ChangeOrigin::Local, nullptr));
    CollaborationSession alice(&alices);
    QSignalSpy aliceSynced(alice.sync(), &SyncManager::synchronized);
    alice.join(QUrl(url), QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QVERIFY(aliceSynced.wait(5000));

    MemoryScene bobs;
    CollaborationSession bob(&bobs);
    QList<int> asked;
    auto answer = CollaborationDialog::RejoinChoice::Cancel;
    const auto connectBob = [&] {
        CollaborationDialog dialog(&bob, [&bobs] { return int(bobs.items().size()); });
        dialog.setCanvasQuestion([](int) { return CollaborationDialog::CanvasChoice::Replace; });
        dialog.setRejoinQuestion([&](int changes) {
            asked.append(changes);
            return answer;
        });
        fillConnectPage(&dialog, url, QStringLiteral("lab"), QStringLiteral("bob"));
        child<QPushButton>(&dialog, "connectButton")->click();
        return dialog.result() == QDialog::Accepted;
    };
    QVERIFY(connectBob());
    QTRY_COMPARE(uuids(bobs), uuids(alices));
    QVERIFY(asked.isEmpty()); // a first join: nothing to ask

    // Disconnect, delete alice's item, add another: two changes.
    bob.leave();
    QVERIFY(bobs.removeItem(waveplate.uuid, Optiverse::ChangeOrigin::Local, nullptr));
    const Optiverse::SceneItem ruler = lens(7);
    QVERIFY(bobs.addItem(ruler, Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(!connectBob()); // Cancel: nothing happens
    QCOMPARE(asked, QList<int>{2});
    QCOMPARE(bob.client()->state(), CollabClient::State::Disconnected);

    answer = CollaborationDialog::RejoinChoice::Replace;
    QVERIFY(connectBob());
    QCOMPARE(asked, (QList<int>{2, 2}));
    QTRY_COMPARE(uuids(bobs), uuids(alices));
    QVERIFY(!alices.item(waveplate.uuid).uuid.isNull()); // never reached alice
    QVERIFY(alices.item(ruler.uuid).uuid.isNull());

    // Again, bringing them this time: alice gets them, once.
    bob.leave();
    QVERIFY(bobs.removeItem(waveplate.uuid, Optiverse::ChangeOrigin::Local, nullptr));
    QVERIFY(bobs.addItem(ruler, Optiverse::ChangeOrigin::Local, nullptr));
    answer = CollaborationDialog::RejoinChoice::BringChanges;
    const quint64 sent = bob.sync()->commandsSent();
    QVERIFY(connectBob());
    QTRY_VERIFY(alices.item(waveplate.uuid).uuid.isNull());
    QTRY_VERIFY(!alices.item(ruler.uuid).uuid.isNull());
    QTRY_COMPARE(bob.sync()->unacknowledgedCount(), 0);
    QCOMPARE(bob.sync()->commandsSent(), sent + 2);
    QCOMPARE(uuids(bobs), uuids(alices));

    // Another session is not a rejoin: the ordinary replace warning.
    bob.leave();
    QVERIFY(bobs.addItem(lens(9), Optiverse::ChangeOrigin::Local, nullptr));
    CollaborationDialog other(&bob, [&bobs] { return int(bobs.items().size()); });
    int replaceAsked = 0;
    other.setCanvasQuestion([&](int) { return ++replaceAsked, CollaborationDialog::CanvasChoice::Cancel; });
    other.setRejoinQuestion([&](int c) { return asked.append(c), CollaborationDialog::RejoinChoice::Cancel; });
    fillConnectPage(&other, url, QStringLiteral("elsewhere"), {});
    child<QPushButton>(&other, "connectButton")->click();
    QCOMPARE(replaceAsked, 1);
    QCOMPARE(asked.size(), 3);
}

void TestUi::closingWithTheUrlFieldFocusedIsSafe()
{
    // Destroying the dialog hides it, which takes the focus from the URL
    // field; its editingFinished once reached the half-destroyed dialog.
    MemoryScene scene;
    CollaborationSession s(&scene);
    auto dialog = std::make_unique<CollaborationDialog>(&s, 0);
    dialog->setMode(CollaborationDialog::Mode::Connect);
    dialog->show();
    QVERIFY(QTest::qWaitForWindowActive(dialog.get()));
    auto *url = child<QLineEdit>(dialog.get(), "serverUrl");
    url->setFocus();
    QTRY_VERIFY(url->hasFocus());
    QSignalSpy finished(url, &QLineEdit::editingFinished);
    dialog.reset();
    QCOMPARE(finished.size(), 1); // the signal came, and nothing answered it
}

void TestUi::pastedSessionUrlFillsTheFields()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Connect);
    auto *url = child<QLineEdit>(&dialog, "serverUrl");
    url->clear();
    url->setFocus();
    QTest::keyClicks(url, QStringLiteral("ws://host:8790/ws/default/b")); // typing: left alone meanwhile
    QCOMPARE(url->text(), QStringLiteral("ws://host:8790/ws/default/b"));
    url->clear();
    QApplication::clipboard()->setText(QStringLiteral("ws://host:8790/ws/default/bob"));
    url->paste(); // as pasted from a chat message
    QCOMPARE(url->text(), QStringLiteral("ws://host:8790"));
    QCOMPARE(child<QLineEdit>(&dialog, "connectSession")->text(), QStringLiteral("default"));
    QCOMPARE(child<QLineEdit>(&dialog, "connectName")->text(), QStringLiteral("bob"));
    QCOMPARE(dialog.errorText(), QString());

    // The URL the host shares names the session only: the name stays.
    url->clear();
    QApplication::clipboard()->setText(QStringLiteral("ws://192.0.2.2:8765/ws/lab"));
    url->paste();
    QCOMPARE(url->text(), QStringLiteral("ws://192.0.2.2:8765"));
    QCOMPARE(child<QLineEdit>(&dialog, "connectSession")->text(), QStringLiteral("lab"));
    QCOMPARE(child<QLineEdit>(&dialog, "connectName")->text(), QStringLiteral("bob"));

    // Any other path is refused, saying what is expected.
    url->setText(QStringLiteral("ws://192.0.2.2:8765/collab/lab"));
    child<QPushButton>(&dialog, "connectButton")->click();
    QVERIFY2(dialog.errorText().contains(QStringLiteral("expected ws://HOST:PORT, ws://HOST:PORT/ws/SESSION or "
                                                        "ws://HOST:PORT/ws/SESSION/USER")),
             qPrintable(dialog.errorText()));
    QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
    // Corrected by typing: the complaint goes with the mistake.
    url->setFocus();
    url->setCursorPosition(url->text().indexOf(QLatin1String("/collab")));
    for (int i = 0; i < int(qstrlen("/collab")); ++i)
        QTest::keyClick(url, Qt::Key_Delete);
    QCOMPARE(url->text(), QStringLiteral("ws://192.0.2.2:8765/lab")); // still not a session path
    QVERIFY(!dialog.errorText().isEmpty());
    for (int i = 0; i < int(qstrlen("/lab")); ++i)
        QTest::keyClick(url, Qt::Key_Delete);
    QCOMPARE(url->text(), QStringLiteral("ws://192.0.2.2:8765"));
    QCOMPARE(dialog.errorText(), QString());

    // Set without typing (e.g. restored): taken apart when Connect is pressed.
    const quint16 port = freePort();
    url->setText(QStringLiteral("ws://127.0.0.1:%1/ws/lab%20one/carol").arg(port));
    child<QPushButton>(&dialog, "connectButton")->click();
    QCOMPARE(url->text(), QStringLiteral("ws://127.0.0.1:%1").arg(port));
    QCOMPARE(child<QLineEdit>(&dialog, "connectSession")->text(), QStringLiteral("lab one"));
    QCOMPARE(child<QLineEdit>(&dialog, "connectName")->text(), QStringLiteral("carol"));
    QCOMPARE(s.client()->session(), QStringLiteral("lab one"));
    QCOMPARE(s.client()->requestedName(), QStringLiteral("carol"));
    s.leave();
}

void TestUi::shareUrlFollowsTheFieldsAndHostingLocksThem()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    auto *share = child<QLineEdit>(&dialog, "shareUrl");
    auto *port = child<QSpinBox>(&dialog, "port");
    auto *session = child<QLineEdit>(&dialog, "hostSession");
    child<QComboBox>(&dialog, "listenAddress")->setCurrentText(QStringLiteral("127.0.0.1"));
    session->setText(QStringLiteral("lab"));
    port->setValue(9123);
    QCOMPARE(share->text(), QStringLiteral("ws://127.0.0.1:9123/ws/lab"));
    port->setValue(9124);
    QCOMPARE(share->text(), QStringLiteral("ws://127.0.0.1:9124/ws/lab"));
    session->setText(QStringLiteral("lab one"));
    QCOMPARE(share->text(), QStringLiteral("ws://127.0.0.1:9124/ws/lab%20one"));
    session->clear(); // no valid session yet: the server alone
    QCOMPARE(share->text(), QStringLiteral("ws://127.0.0.1:9124"));

    const quint16 free = freePort();
    port->setValue(free);
    session->setText(QStringLiteral("lab"));
    child<QLineEdit>(&dialog, "hostName")->setText(QStringLiteral("alice"));
    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY(s.isServerRunning());
    QCOMPARE(share->text(), QStringLiteral("ws://127.0.0.1:%1/ws/lab").arg(free));
    for (const char *name : {"listenAddress", "port", "hostSession", "hostName", "hostPassword", "autoConnect",
                             "useCanvas", "emptyCanvas"}) {
        auto *w = dialog.findChild<QWidget *>(QLatin1String(name));
        QVERIFY2(w && !w->isEnabled(), name);
        QVERIFY2(w->toolTip().contains(QStringLiteral("Stop the server")), name);
    }
    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY(!s.isServerRunning());
    QVERIFY(child<QLineEdit>(&dialog, "hostSession")->isEnabled());
    QVERIFY(!child<QLineEdit>(&dialog, "hostSession")->toolTip().contains(QStringLiteral("Stop the server")));
}

void TestUi::hostPageShowsTheServerStartedElsewhere()
{
    // As with --collab-host: the server and the session were not started by
    // the dialog, whose saved values differ. Its locked fields and the URL
    // to share say what actually runs.
    MemoryScene scene;
    CollaborationSession s(&scene);
    s.setAdvertising(false);
    const quint16 port = freePort();
    QString error;
    QVERIFY2(s.startServer(QHostAddress::LocalHost, port, &error), qPrintable(error));
    s.join(s.localServerUrl(), QStringLiteral("optics"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    QCOMPARE(child<QSpinBox>(&dialog, "port")->value(), int(port));
    QCOMPARE(child<QComboBox>(&dialog, "listenAddress")->currentText(), QStringLiteral("127.0.0.1"));
    QCOMPARE(child<QLineEdit>(&dialog, "hostSession")->text(), QStringLiteral("optics"));
    QCOMPARE(child<QLineEdit>(&dialog, "hostName")->text(), QStringLiteral("alice"));
    QVERIFY(!child<QCheckBox>(&dialog, "advertise")->isChecked());
    QCOMPARE(child<QLineEdit>(&dialog, "shareUrl")->text(), QStringLiteral("ws://127.0.0.1:%1/ws/optics").arg(port));
    s.shutdown();
}

void TestUi::aloneInANewSessionIsToldWhereTheOthersAre()
{
    CollabServer server;
    const QString url = listenOnLoopback(&server);
    QVERIFY(!url.isEmpty());
    MemoryScene sceneA, sceneB;
    CollaborationSession a(&sceneA), b(&sceneB);
    a.join(QUrl(url), QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
    QTRY_COMPARE(a.client()->state(), CollabClient::State::Connected);
    QVERIFY(a.client()->otherSessions().isEmpty()); // nobody anywhere else

    StatusWidget status(b.client());
    CollaborationDialog dialog(&b, 0);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *offer = child<QPushButton>(&dialog, "joinOtherSession");
    QVERIFY(!offer->isVisible());
    b.join(QUrl(url), QStringLiteral("default"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(status.text(), QStringLiteral("New session 'default'; others: lab (1 user)"));
    QVERIFY2(status.toolTip().startsWith(QStringLiteral("Session 'default' is new on this server; it also has: lab (1 user).\n")),
             qPrintable(status.toolTip()));
    QVERIFY(status.toolTip().contains(QStringLiteral("Session: default")));
    QCOMPARE(status.accessibleDescription(), status.toolTip());
    QTRY_VERIFY(offer->isVisible());
    QCOMPARE(offer->text(), QStringLiteral("Join lab"));
    QCOMPARE(child<QLabel>(&dialog, "otherSessionsText")->text(),
             QStringLiteral("Session 'default' is new on this server; it also has: lab (1 user)"));

    offer->click(); // bob joins lab, as bob, on the same server
    QTRY_COMPARE(b.client()->state(), CollabClient::State::Connected);
    QCOMPARE(b.client()->session(), QStringLiteral("lab"));
    QTRY_COMPARE(b.client()->users().size(), 2);
    QVERIFY(b.client()->otherSessions().isEmpty()); // lab had a member: nothing listed
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (2 users)"));
    QVERIFY(!status.toolTip().contains(QStringLiteral("is new")));
    QVERIFY(child<QWidget>(&dialog, "otherSessions")->isHidden());
    b.leave();
    a.leave();
}

void TestUi::statusErrorUsesTheRoomTheStatusBarHas()
{
    // A window 1200 px wide: a failure to connect is said whole in the
    // status bar, not cut in the middle with most of the bar empty.
    QMainWindow window;
    window.resize(1200, 400);
    MemoryScene scene;
    CollaborationSession s(&scene);
    auto *status = new StatusWidget(s.client());
    window.statusBar()->addPermanentWidget(status);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    s.client()->setReconnectBackoff(50, 100); // the attempts of a first connect, quickly
    s.join(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(freePort())), QStringLiteral("lab"), QStringLiteral("alice"),
           SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_VERIFY2(status->text().startsWith(QLatin1String("Error: ")), qPrintable(status->text()));
    QVERIFY2(status->text().size() > 45, qPrintable(status->text())); // longer than the old cap
    QTRY_VERIFY2(status->width() >= status->fontMetrics().horizontalAdvance(status->text()),
                 qPrintable(QStringLiteral("%1 px for \"%2\"").arg(status->width()).arg(status->text())));
}

void TestUi::errorBannerNeitherSqueezesNorLeavesAGap()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *empty = child<QRadioButton>(&dialog, "emptyCanvas");
    auto *start = child<QPushButton>(&dialog, "startStop");
    const QSize before = dialog.size();
    const QPoint radioBefore = empty->mapTo(&dialog, QPoint());
    const int radioHeight = empty->height();

    child<QLineEdit>(&dialog, "hostName")->clear();
    child<QCheckBox>(&dialog, "autoConnect")->setChecked(true);
    start->click(); // an error: the banner shows below the fields
    QVERIFY(!dialog.errorText().isEmpty());
    QTRY_VERIFY(dialog.height() > before.height());
    QCOMPARE(empty->mapTo(&dialog, QPoint()), radioBefore); // nothing above it moved
    QCOMPARE(empty->height(), radioHeight);                 // nor was squeezed

    child<QLineEdit>(&dialog, "hostName")->setText(QStringLiteral("alice"));
    child<QSpinBox>(&dialog, "port")->setValue(freePort());
    start->click(); // fixed: the banner goes, and so does its space
    QVERIFY(s.isServerRunning());
    QCOMPARE(dialog.errorText(), QString());
    QTRY_COMPARE(dialog.height(), before.height());
    QCOMPARE(empty->mapTo(&dialog, QPoint()), radioBefore);
    s.shutdown();
}

void TestUi::mnemonicsAreUniquePerPage()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.show();
    for (const auto mode : {CollaborationDialog::Mode::Host, CollaborationDialog::Mode::Connect}) {
        dialog.setMode(mode);
        QHash<QChar, QString> used;
        QStringList texts;
        for (QWidget *w : dialog.findChildren<QWidget *>()) {
            if (!w->isVisibleTo(&dialog))
                continue;
            QString text;
            if (auto *label = qobject_cast<QLabel *>(w); label && label->buddy())
                text = label->text();
            else if (auto *button = qobject_cast<QAbstractButton *>(w))
                text = button->text();
            if (text.isEmpty())
                continue;
            texts.append(text);
            const QChar key = mnemonic(text);
            if (key.isNull())
                continue;
            QVERIFY2(!used.contains(key), qPrintable(QStringLiteral("Alt+%1 is both \"%2\" and \"%3\"")
                                                         .arg(key, used.value(key), text)));
            used.insert(key, text);
        }
        // Every field and action can be reached with Alt+letter.
        for (const char *field : {"hostMode", "connectMode"})
            QVERIFY(!mnemonic(child<QAbstractButton>(&dialog, field)->text()).isNull());
        QVERIFY2(used.size() >= (mode == CollaborationDialog::Mode::Host ? 10 : 6), qPrintable(texts.join(QLatin1Char('|'))));
    }
}

void TestUi::returnTriggersTheVisiblePagesAction()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));

    dialog.setMode(CollaborationDialog::Mode::Connect);
    QLineEdit *url = child<QLineEdit>(&dialog, "serverUrl");
    url->setFocus();
    url->setText(QStringLiteral("http://example.org:8765"));
    QTest::keyClick(url, Qt::Key_Return); // Connect, which validates first
    QVERIFY2(dialog.errorText().contains(QStringLiteral("ws://")), qPrintable(dialog.errorText()));
    QVERIFY(!s.isServerRunning());

    dialog.setMode(CollaborationDialog::Mode::Host);
    const quint16 port = freePort();
    QVERIFY(port);
    child<QComboBox>(&dialog, "listenAddress")->setCurrentText(QStringLiteral("127.0.0.1"));
    child<QSpinBox>(&dialog, "port")->setValue(port);
    child<QCheckBox>(&dialog, "autoConnect")->setChecked(false);
    QLineEdit *name = child<QLineEdit>(&dialog, "hostName");
    name->setFocus();
    QTest::keyClick(name, Qt::Key_Return); // Start Server
    QVERIFY2(s.isServerRunning(), qPrintable(dialog.errorText()));
    QVERIFY(dialog.isVisible()); // Return never closes the dialog behind the user's back
    QTest::keyClick(&dialog, Qt::Key_Escape);
    QVERIFY(!dialog.isVisible());
}

void TestUi::tabOrderFollowsTheLayout()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    for (const auto mode : {CollaborationDialog::Mode::Host, CollaborationDialog::Mode::Connect}) {
        dialog.setMode(mode);
        QWidget *first = child<QWidget>(&dialog, mode == CollaborationDialog::Mode::Host ? "hostMode" : "connectMode");
        first->setFocus();
        QTRY_COMPARE(QApplication::focusWidget(), first);
        // Tab through the dialog once: top to bottom, then left to right.
        QList<QWidget *> visited{first};
        for (int i = 0; i < 40; ++i) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            QWidget *now = QApplication::focusWidget();
            if (now == first)
                break;
            QVERIFY2(!visited.contains(now), qPrintable(now->objectName()));
            visited.append(now);
        }
        QVERIFY2(visited.size() >= 5, qPrintable(QString::number(visited.size())));
        QStringList names;
        for (QWidget *w : visited)
            names.append(w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName());
        for (int i = 1; i < visited.size(); ++i) {
            const QRect prev(visited.at(i - 1)->mapTo(&dialog, QPoint()), visited.at(i - 1)->size());
            const QRect cur(visited.at(i)->mapTo(&dialog, QPoint()), visited.at(i)->size());
            const bool below = cur.top() >= prev.bottom() - 2;
            const bool rightOnSameRow = cur.left() > prev.left() && cur.top() < prev.bottom();
            QVERIFY2(below || rightOnSameRow, qPrintable(names.join(QStringLiteral(" → "))));
        }
    }
}

void TestUi::sizesToTheVisiblePage()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    dialog.setMode(CollaborationDialog::Mode::Host);
    dialog.show();
    const int hostHeight = dialog.height();
    // Each page gets its own height (the Connect page, with its list of sessions on the
    // network, is the taller one): no empty band above the buttons, nothing squeezed.
    dialog.setMode(CollaborationDialog::Mode::Connect);
    QVERIFY2(dialog.height() != hostHeight, qPrintable(QStringLiteral("%1 vs %2").arg(dialog.height()).arg(hostHeight)));
    QCOMPARE(dialog.height(), dialog.sizeHint().height());
    const int connectHeight = dialog.height();
    child<QLineEdit>(&dialog, "serverUrl")->setText(QStringLiteral("http://x:1"));
    child<QPushButton>(&dialog, "connectButton")->click();
    QTRY_VERIFY(dialog.height() > connectHeight); // room for the error, nothing clipped
    QVERIFY(dialog.height() >= dialog.minimumSizeHint().height());
    dialog.setMode(CollaborationDialog::Mode::Host);
    QCOMPARE(dialog.height(), hostHeight);
}

void TestUi::errorBannerReadableInLightAndDark()
{
    MemoryScene scene;
    CollaborationSession s(&scene);
    CollaborationDialog dialog(&s, 0);
    fillConnectPage(&dialog, QStringLiteral("http://x:1"), {}, {});
    child<QPushButton>(&dialog, "connectButton")->click();
    auto *banner = child<QLabel>(&dialog, "errorLabel");
    QVERIFY(!dialog.errorText().isEmpty());
    for (const QPalette &palette : {QPalette(QColor(0xef, 0xef, 0xef)), darkPalette()}) {
        dialog.setPalette(palette);
        const QColor text = banner->palette().color(banner->foregroundRole());
        const QColor back = banner->palette().color(banner->backgroundRole());
        QVERIFY(banner->autoFillBackground());
        QCOMPARE(text, palette.color(QPalette::WindowText)); // the host's own text colour
        QVERIFY2(contrast(text, back) >= 4.5, qPrintable(QString::number(contrast(text, back))));
        QVERIFY(back != palette.color(QPalette::Window)); // and still stands out as an error
        QVERIFY(back.redF() > back.blueF());
    }
}

void TestUi::firstDozenUsersLookDifferent()
{
    // Colour slots 0…11 are what the first twelve users present at once get:
    // their hues must be told apart at a glance, whatever the names.
    constexpr int Slots = 12;
    for (int i = 0; i < Slots; ++i) {
        const QColor a = UserColor::forUser(QStringLiteral("same"), i);
        for (int j = i + 1; j < Slots; ++j) {
            const QColor b = UserColor::forUser(QStringLiteral("same"), j);
            const int distance = std::abs(a.hsvHue() - b.hsvHue());
            QVERIFY2(std::min(distance, 360 - distance) >= 20,
                     qPrintable(QStringLiteral("slots %1 and %2: hues %3 and %4").arg(i).arg(j).arg(a.hsvHue()).arg(b.hsvHue())));
        }
        // The first users get the most distinct hues: 0 and 1 are far apart.
        QVERIFY(contrast(a, Qt::white) > 1.5); // visible on a light canvas
    }
    const int h0 = UserColor::forUser({}, 0).hsvHue(), h1 = UserColor::forUser({}, 1).hsvHue();
    QVERIFY(std::min(std::abs(h0 - h1), 360 - std::abs(h0 - h1)) >= 120);
    // Past a dozen the hues repeat in another shade, still not equal.
    QVERIFY(UserColor::forUser({}, Slots) != UserColor::forUser({}, 0));
}

QTEST_MAIN(TestUi)
#include "tst_ui.moc"
