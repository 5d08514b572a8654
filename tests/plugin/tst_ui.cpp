// SPDX-License-Identifier: MIT
// The dialog and the status widget, offscreen, driven by real state changes
// through a real server on loopback.
#include "CollabServer.h"
#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "MemoryScene.h"
#include "StatusWidget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Optiverse::Collab;

class TestUi : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void connectValidation_data();
    void connectValidation();
    void hostPortInUseIsReported();
    void hostStartsServerJoinsAndSharesUrl();
    void statusFollowsTheSession();
    void lastValuesAreRemembered();

private:
    template<typename T> static T *child(QWidget *w, const char *name)
    {
        return w->findChild<T *>(QString::fromLatin1(name));
    }
    QTemporaryDir m_config;
};

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
    dialog.setMode(CollaborationDialog::Mode::Connect);
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
    child<QCheckBox>(&dialog, "autoConnect")->setChecked(true);
    child<QPushButton>(&dialog, "startStop")->click();
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QVERIFY(s.isServerRunning());
    QCOMPARE(child<QPushButton>(&dialog, "startStop")->text(), QStringLiteral("&Stop Server"));
    QCOMPARE(child<QLineEdit>(&dialog, "shareUrl")->text(), QStringLiteral("ws://127.0.0.1:%1").arg(port));
    QTRY_COMPARE(s.client()->state(), CollabClient::State::Connected);
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
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 users)"));
    QVERIFY(status.toolTip().contains(url.toDisplayString()));
    QVERIFY(status.toolTip().contains(QStringLiteral("lab")));

    b.join(url, QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_COMPARE(status.text(), QStringLiteral("bob joined"));
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (2 users)"));
    b.leave();
    QTRY_COMPARE(status.text(), QStringLiteral("bob left"));
    QTRY_COMPARE(status.text(), QStringLiteral("Connected (1 users)"));

    server.close(); // the server goes away: the client retries by itself
    QTRY_VERIFY(status.text().startsWith(QStringLiteral("Reconnecting in ")));
    QVERIFY(status.text().endsWith(QStringLiteral(" s…")));

    a.leave();
    QTRY_COMPARE(status.text(), QStringLiteral("Not connected"));

    // A server that refuses us: the reason is shown.
    CollaborationSession c(&sceneA);
    StatusWidget refused(c.client());
    c.join(QUrl(QStringLiteral("ws://127.0.0.1:1")), QStringLiteral("lab"), QStringLiteral("carol"),
           SyncManager::JoinMode::ReplaceLocalScene);
    QTRY_VERIFY(refused.text().startsWith(QStringLiteral("Reconnecting in ")));
    QVERIFY(!c.client()->lastError().isEmpty());
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
        dialog.setMode(CollaborationDialog::Mode::Connect);
        child<QLineEdit>(&dialog, "serverUrl")->setText(url);
        child<QLineEdit>(&dialog, "connectSession")->setText(QStringLiteral("project-alpha"));
        child<QLineEdit>(&dialog, "connectName")->setText(QStringLiteral("dora"));
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

QTEST_MAIN(TestUi)
#include "tst_ui.moc"
