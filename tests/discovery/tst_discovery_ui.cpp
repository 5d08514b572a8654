// SPDX-License-Identifier: MIT
// The Connect page's "Sessions on this network" with real servers on
// loopback: the in-process Host server of another CollaborationSession shows
// up with its users, a double-click joins it, a wss:// server's fingerprint
// is filled in (trust on first use, said so), a locked session asks for the
// password first, and an empty network says multicast may be blocked.
#include "CollabServer.h"
#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "LoopbackDiscovery.h"
#include "MemoryScene.h"
#include "NetworkSessionList.h"
#include "TlsCredentials.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Optiverse::Collab;

namespace {
QTreeWidgetItem *rowFor(CollaborationDialog &dialog, const QString &session)
{
    auto *view = dialog.findChild<QTreeWidget *>(QStringLiteral("networkSessionView"));
    const auto items = view ? view->findItems(session, Qt::MatchExactly, 0) : QList<QTreeWidgetItem *>();
    return items.size() == 1 ? items.constFirst() : nullptr;
}

void doubleClick(CollaborationDialog &dialog, QTreeWidgetItem *item)
{
    auto *view = dialog.findChild<QTreeWidget *>(QStringLiteral("networkSessionView"));
    const QPoint at = view->visualItemRect(item).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
}

QString text(CollaborationDialog &dialog, const char *name)
{
    return dialog.findChild<QLineEdit *>(QString::fromLatin1(name))->text();
}
} // namespace

class TestDiscoveryUi : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_discovery_ui"));
        m_discovery = loopbackDiscovery();
    }

    void doubleClickJoinsAnInProcessHost()
    {
        // alice hosts "lab" from her application (the Host page's server).
        MemoryScene aliceScene;
        CollaborationSession alice(&aliceScene);
        alice.setAdvertising(true, QStringLiteral("alice"));
        QString error;
        QVERIFY2(alice.startServer(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        alice.join(alice.localServerUrl(), QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
        QTRY_COMPARE(alice.server()->connectionCount(), 1);

        MemoryScene bobScene;
        CollaborationSession bob(&bobScene);
        CollaborationDialog dialog(&bob, 0);
        dialog.setMode(CollaborationDialog::Mode::Connect);
        dialog.show();
        QTRY_VERIFY(rowFor(dialog, QStringLiteral("lab")));
        QTreeWidgetItem *row = rowFor(dialog, QStringLiteral("lab"));
        QCOMPARE(row->text(1), QStringLiteral("1"));
        QCOMPARE(row->text(2), QStringLiteral("alice"));
        QCOMPARE(row->text(3), QStringLiteral("ws://127.0.0.1:%1").arg(alice.server()->port()));

        doubleClick(dialog, row);
        QCOMPARE(text(dialog, "serverUrl"), QStringLiteral("ws://127.0.0.1:%1").arg(alice.server()->port()));
        QCOMPARE(text(dialog, "connectSession"), QStringLiteral("lab"));
        QTRY_COMPARE(alice.server()->connectionCount(), 2);
        QTRY_COMPARE(bob.client()->state(), CollabClient::State::Connected);
        QVERIFY(!dialog.isVisible()); // joined: the dialog closed as after Connect
    }

    void hostPageCanTurnAnnouncingOff()
    {
        MemoryScene scene;
        CollaborationSession s(&scene);
        CollaborationDialog dialog(&s, 0);
        dialog.setMode(CollaborationDialog::Mode::Host);
        auto *advertise = dialog.findChild<QCheckBox *>(QStringLiteral("advertise"));
        QVERIFY(advertise && advertise->isChecked());
        advertise->setChecked(false);
        dialog.findChild<QComboBox *>(QStringLiteral("listenAddress"))->setCurrentText(QStringLiteral("localhost"));
        dialog.findChild<QSpinBox *>(QStringLiteral("port"))->setValue(freeTcpPort());
        dialog.startServer();
        QVERIFY2(s.isServerRunning(), qPrintable(dialog.errorText()));
        QVERIFY(!s.server()->isAdvertising());
        QVERIFY(!advertise->isEnabled()); // not changed while the server runs
        dialog.stopServer();
        advertise->setChecked(true);
        dialog.startServer();
        QVERIFY(s.server()->isAdvertising());
        dialog.stopServer();
    }

    void wssFingerprintIsFilledAndSaidToBeTrustedOnFirstUse()
    {
        ServerConfig config;
        QString error;
        QVERIFY2(TlsCredentials::load(QStringLiteral(TEST_DATA_DIR "/server.crt"), QStringLiteral(TEST_DATA_DIR "/server.key"),
                                      &config.tlsCertificateChain, &config.tlsKey, &error),
                 qPrintable(error));
        config.advertise = true;
        config.serverName = QStringLiteral("secure");
        config.discovery = m_discovery;
        CollabServer server(config);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));

        MemoryScene scene;
        CollaborationSession s(&scene);
        CollaborationDialog dialog(&s, 0);
        dialog.setMode(CollaborationDialog::Mode::Connect);
        dialog.show();
        QTRY_VERIFY(rowFor(dialog, QStringLiteral("no session yet")));
        doubleClick(dialog, rowFor(dialog, QStringLiteral("no session yet")));
        QCOMPARE(text(dialog, "serverUrl"), QStringLiteral("wss://127.0.0.1:%1").arg(server.port()));
        QCOMPARE(text(dialog, "certFingerprint"), server.certificateFingerprint());
        auto *list = dialog.findChild<NetworkSessionList *>(QStringLiteral("networkSessions"));
        QVERIFY2(list->hintText().contains(QLatin1String("trusted on first use")), qPrintable(list->hintText()));
        // No session announced yet: the user types one and connects, pinned.
        dialog.findChild<QLineEdit *>(QStringLiteral("connectSession"))->setText(QStringLiteral("lab"));
        dialog.connectToServer();
        QTRY_COMPARE(s.client()->state(), CollabClient::State::Connected);
        QCOMPARE(server.connectionCount(), 1);
    }

    void lockedSessionAsksForThePassword()
    {
        ServerConfig config;
        config.advertise = true;
        config.password = QStringLiteral("pw");
        config.discovery = m_discovery;
        CollabServer server(config);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0, nullptr));
        MemoryScene scene;
        CollaborationSession owner(&scene);
        owner.join(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.port())), QStringLiteral("locked"),
                   QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene, QStringLiteral("pw"));
        QTRY_COMPARE(server.connectionCount(), 1);

        MemoryScene mine;
        CollaborationSession s(&mine);
        CollaborationDialog dialog(&s, 0);
        dialog.setMode(CollaborationDialog::Mode::Connect);
        dialog.show();
        QTRY_VERIFY(rowFor(dialog, QStringLiteral("locked")));
        QVERIFY(!rowFor(dialog, QStringLiteral("locked"))->icon(0).isNull());
        auto *password = dialog.findChild<QLineEdit *>(QStringLiteral("connectPassword"));
        QVERIFY(password);
        QCOMPARE(password->placeholderText(), QStringLiteral("optional")); // nothing chosen yet
        doubleClick(dialog, rowFor(dialog, QStringLiteral("locked")));
        QVERIFY2(dialog.errorText().contains(QLatin1String("requires a password")), qPrintable(dialog.errorText()));
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected); // nothing tried without it
        QVERIFY(dialog.isVisible());
        QCOMPARE(password->placeholderText(), QStringLiteral("required by this server"));

        // Return on the row: the list takes it, and so does the dialog's
        // default button (Connect); neither may connect without the password.
        auto *view = dialog.findChild<QTreeWidget *>(QStringLiteral("networkSessionView"));
        QVERIFY(view);
        view->setFocus();
        view->setCurrentItem(rowFor(dialog, QStringLiteral("locked")));
        QTest::keyClick(view, Qt::Key_Return);
        QVERIFY2(dialog.errorText().contains(QLatin1String("requires a password")), qPrintable(dialog.errorText()));
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
        QVERIFY(dialog.isVisible());

        // With it, Return joins.
        password->setText(QStringLiteral("pw"));
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Return);
        QTRY_COMPARE(s.client()->state(), CollabClient::State::Connected);
    }

    void emptyNetworkSaysMulticastMayBeBlocked()
    {
        DiscoveryConfig nobody = m_discovery;
        nobody.port = quint16(m_discovery.port == 65535 ? 65534 : m_discovery.port + 1);
        NetworkSessionList list(nobody);
        list.show();
        QVERIFY(list.hintText().contains(QLatin1String("Looking")));
        QTRY_VERIFY_WITH_TIMEOUT(list.hintText().contains(QLatin1String("Multicast may be blocked")),
                                 NetworkSessionList::NothingFoundHintMs + 3000);
        QVERIFY(list.hintText().contains(QLatin1String("typing the server URL")));
        QCOMPARE(list.rowCount(), 0);
    }

private:
    static int freeTcpPort()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        return probe.serverPort();
    }

    QTemporaryDir m_config;
    DiscoveryConfig m_discovery;
};

QTEST_MAIN(TestDiscoveryUi)
#include "tst_discovery_ui.moc"
