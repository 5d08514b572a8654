// SPDX-License-Identifier: MIT
// Session passwords through a real CollabServer on loopback: what a user sees
// (status text, no retry), what the wire carries (close codes, the error
// message first), what is never logged, and where the password comes from
// (dialog, plugin options, password files) and is never stored.
#include "CertificateFingerprint.h"
#include "CollabServer.h"
#include "CollaborationDialog.h"
#include "CollaborationSession.h"
#include "MemoryScene.h"
#include "PluginOptions.h"
#include "Protocol.h"
#include "SessionPassword.h"
#include "StatusWidget.h"
#include "TestSupport.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFormLayout>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkRequest>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Optiverse::Collab;

namespace {

// Distinctive, with characters that need encoding in a header.
const QString Secret = QStringLiteral("s3cret Pa%ss\u00e9\u2603");

QStringList s_log;
QMutex s_logMutex;
QtMessageHandler s_previousHandler = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&s_logMutex);
        s_log.append(QString::fromLatin1(context.category ? context.category : "") + QLatin1String(": ") + message);
    }
    if (s_previousHandler)
        s_previousHandler(type, context, message);
}

std::unique_ptr<CollabServer> startServer(const QString &password)
{
    ServerConfig config;
    config.password = password;
    auto server = std::make_unique<CollabServer>(config);
    QString error;
    if (!server->listen(QHostAddress(QHostAddress::LocalHost), 0, &error)) {
        qWarning() << error;
        return nullptr;
    }
    return server;
}

QUrl urlOf(const CollabServer &server)
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.port()));
}

/// A raw QWebSocket client (TestSupport::Client records everything) opened
/// with an optional password header and no capabilities, like an original client.
std::unique_ptr<TestSupport::Client> rawClient(quint16 port, const QByteArray &passwordHeader)
{
    auto client = std::make_unique<TestSupport::Client>();
    QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/lab/raw").arg(port)));
    if (!passwordHeader.isNull())
        request.setRawHeader(Optiverse::Collab::Protocol::PasswordHeader, passwordHeader);
    client->socket.open(request);
    return client;
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        return {};
    return path;
}

} // namespace

class TestSecurityPassword : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("OptiverseTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_security_password"));
        // Everything our code can log, at every level, goes through captureLog.
        QLoggingCategory::setFilterRules(QStringLiteral("optiverse.*.debug=true"));
        s_previousHandler = qInstallMessageHandler(captureLog);
    }

    void cleanupTestCase() { qInstallMessageHandler(s_previousHandler); }

    void missingPasswordIsShownAndNotRetried_data()
    {
        QTest::addColumn<QString>("sent");
        QTest::addColumn<QString>("status");
        QTest::newRow("missing") << QString() << QStringLiteral("Error: the server requires a session password");
        QTest::newRow("wrong") << QStringLiteral("guess") << QStringLiteral("Error: wrong session password");
    }

    void missingPasswordIsShownAndNotRetried()
    {
        QFETCH(QString, sent);
        QFETCH(QString, status);
        auto server = startServer(Secret);
        QVERIFY(server);
        MemoryScene scene;
        CollaborationSession session(&scene);
        session.client()->setReconnectBackoff(10, 20); // a retry would come at once
        StatusWidget widget(session.client());
        QSignalSpy states(session.client(), &CollabClient::stateChanged);

        session.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("alice"),
                     SyncManager::JoinMode::ReplaceLocalScene, sent);
        QTRY_COMPARE(widget.text(), status);
        QCOMPARE(session.client()->state(), CollabClient::State::Disconnected);
        // Ten backoff periods later: still refused once, never reconnecting.
        QTest::qWait(200);
        QCOMPARE(session.client()->state(), CollabClient::State::Disconnected);
        QCOMPARE(widget.text(), status);
        for (const QList<QVariant> &change : std::as_const(states))
            QVERIFY(change.at(0).value<CollabClient::State>() != CollabClient::State::Reconnecting);
        QCOMPARE(states.count(), 2); // Connecting, Disconnected
        QCOMPARE(server->connectionCount(), 0);
    }

    void rightPasswordJoins()
    {
        auto server = startServer(Secret);
        QVERIFY(server);
        MemoryScene scene;
        CollaborationSession session(&scene);
        StatusWidget widget(session.client());
        session.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("alice"),
                     SyncManager::JoinMode::ReplaceLocalScene, Secret);
        QTRY_COMPARE(widget.text(), QStringLiteral("Connected (1 user)"));
        QCOMPARE(server->connectionCount(), 1);
    }

    void wireCarriesErrorThenCloseCode_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing") << QByteArray() << 4001 << QStringLiteral("password required")
                                 << QStringLiteral("the server requires a session password");
        QTest::newRow("wrong") << QByteArray("nope") << 4003 << QStringLiteral("wrong password")
                               << QStringLiteral("wrong session password");
        QTest::newRow("unencoded") << Secret.toUtf8() << 4003 << QStringLiteral("wrong password")
                                   << QStringLiteral("wrong session password");
    }

    void wireCarriesErrorThenCloseCode()
    {
        // What a plain Qt 6.4 QWebSocket (any client) reads: the error message,
        // then close 4001/4003 with the reason (Qt 6.4 does report these codes).
        QFETCH(QByteArray, header);
        QFETCH(int, code);
        QFETCH(QString, reason);
        QFETCH(QString, message);
        auto server = startServer(Secret);
        QVERIFY(server);
        auto client = rawClient(server->port(), header);
        QVERIFY(client->waitDisconnected());
        QCOMPARE(client->count(QStringLiteral("error")), 1);
        const QJsonObject error = client->last(QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("code")).toString(), QStringLiteral("auth_failed"));
        QCOMPARE(error.value(QLatin1String("message")).toString(), message);
        QCOMPARE(client->closeCode, code);
        QCOMPARE(client->closeReason, reason);
        QCOMPARE(client->count(QStringLiteral("connection:ack")), 0);
    }

    void originalClientJoinsServerWithoutPassword()
    {
        auto server = startServer(QString());
        QVERIFY(server);
        auto original = rawClient(server->port(), QByteArray()); // no capabilities, no password
        QVERIFY(original->waitConnected());
        QCOMPARE(original->userId(), QStringLiteral("raw"));
        // A password sent to a server that has none is ignored.
        MemoryScene scene;
        CollaborationSession ours(&scene);
        ours.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("alice"),
                  SyncManager::JoinMode::ReplaceLocalScene, QStringLiteral("unneeded"));
        QTRY_COMPARE(ours.client()->state(), CollabClient::State::Connected);
        QVERIFY(original->waitFor(QStringLiteral("user:joined")));
    }

    void passwordIsNeverLogged()
    {
        {
            QMutexLocker lock(&s_logMutex);
            s_log.clear();
        }
        auto server = startServer(Secret);
        QVERIFY(server);
        MemoryScene scene, badScene, noneScene;
        CollaborationSession good(&scene), bad(&badScene), none(&noneScene);
        good.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("alice"),
                  SyncManager::JoinMode::ShareLocalScene, Secret);
        bad.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("mallory"),
                 SyncManager::JoinMode::ReplaceLocalScene, Secret + QLatin1Char('x'));
        none.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("eve"), SyncManager::JoinMode::ReplaceLocalScene);
        QTRY_COMPARE(good.client()->state(), CollabClient::State::Connected);
        QTRY_COMPARE(bad.client()->lastError(), QStringLiteral("wrong session password"));
        QTRY_COMPARE(none.client()->lastError(), QStringLiteral("the server requires a session password"));
        QVERIFY(scene.addItem({QUuid::createUuid(), QStringLiteral("lens"),
                               QJsonObject{{QLatin1String("x_mm"), 1.0}, {QLatin1String("y_mm"), 2.0},
                                           {QLatin1String("angle_deg"), 0.0}}},
                              Optiverse::ChangeOrigin::Local, nullptr));
        QTRY_COMPARE(server->connectionCount(), 1);
        good.leave();
        QTRY_COMPARE(server->connectionCount(), 0);

        QMutexLocker lock(&s_logMutex);
        const QString all = s_log.join(QLatin1Char('\n'));
        // The log did record these attempts (at debug level, too)…
        QVERIFY2(all.contains(QLatin1String("Refused 127.0.0.1 : wrong password")), qPrintable(all));
        QVERIFY2(all.contains(QLatin1String("Refused 127.0.0.1 : password required")), qPrintable(all));
        QVERIFY2(all.contains(QLatin1String("optiverse.collab.client: connecting to")), qPrintable(all));
        // …but never the password, in any encoding.
        for (const QString &form : {Secret, QString::fromLatin1(SessionPassword::toHeader(Secret)),
                                    QStringLiteral("s3cret")})
            QVERIFY2(!all.contains(form), qPrintable(form));
    }

    void aFullAddressIsToldInWords()
    {
        // The per-address cap refuses with close 1013, which Qt 6.4 reads as
        // a bare protocol error: the user must see the server's reason, and
        // the client keeps trying (the cap may free up).
        ServerConfig config;
        config.maxConnectionsPerAddress = 1;
        CollabServer server(config);
        QString error;
        QVERIFY2(server.listen(QHostAddress(QHostAddress::LocalHost), 0, &error), qPrintable(error));
        MemoryScene aliceScene, bobScene;
        CollaborationSession alice(&aliceScene), bob(&bobScene);
        alice.join(urlOf(server), QStringLiteral("lab"), QStringLiteral("alice"), SyncManager::JoinMode::ShareLocalScene);
        QTRY_COMPARE(alice.client()->state(), CollabClient::State::Connected);
        QSignalSpy errors(bob.client(), &CollabClient::errorOccurred);
        bob.join(urlOf(server), QStringLiteral("lab"), QStringLiteral("bob"), SyncManager::JoinMode::ReplaceLocalScene);
        QTRY_VERIFY(!errors.isEmpty());
        QVERIFY2(bob.client()->lastError().startsWith(QLatin1String("too many connections from your address")),
                 qPrintable(bob.client()->lastError()));
        QCOMPARE_NE(bob.client()->state(), CollabClient::State::Disconnected); // still trying
        alice.leave();
        QTRY_COMPARE_WITH_TIMEOUT(bob.client()->state(), CollabClient::State::Connected, 15000);
    }

    void wrongPasswordsAreSlowedButNeverLockOut()
    {
        // Each wrong password from an address makes the next refusal from it
        // wait longer (250 ms more each); the right one still gets in at once.
        auto server = startServer(Secret);
        QVERIFY(server);
        QElapsedTimer clock;
        qint64 third = 0;
        for (int i = 0; i < 3; ++i) {
            clock.start();
            auto c = rawClient(server->port(), "wrong");
            QVERIFY(c->waitDisconnected());
            third = clock.elapsed();
            QCOMPARE(c->closeCode, 4003);
            QCOMPARE(c->closeReason, QStringLiteral("wrong password"));
        }
        QVERIFY2(third >= 500, qPrintable(QString::number(third))); // 750 ms for the third
        MemoryScene scene;
        CollaborationSession session(&scene);
        StatusWidget widget(session.client());
        clock.start();
        session.join(urlOf(*server), QStringLiteral("lab"), QStringLiteral("alice"),
                     SyncManager::JoinMode::ReplaceLocalScene, Secret);
        QTRY_COMPARE(widget.text(), QStringLiteral("Connected (1 user)"));
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
    }

    void passwordFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("password");
        QTest::newRow("newline") << QByteArray("hunter2\n") << QStringLiteral("hunter2");
        QTest::newRow("crlf") << QByteArray("hunter2\r\n") << QStringLiteral("hunter2");
        QTest::newRow("no newline") << QByteArray("hunter2") << QStringLiteral("hunter2");
        QTest::newRow("first line only") << QByteArray("hunter2\nnotes\n") << QStringLiteral("hunter2");
        QTest::newRow("spaces kept") << QByteArray(" two words \n") << QStringLiteral(" two words ");
        QTest::newRow("utf-8") << QByteArray("caf\xc3\xa9\n") << QStringLiteral("caf\u00e9");
        QTest::newRow("empty") << QByteArray() << QString();
        QTest::newRow("empty line") << QByteArray("\nhunter2\n") << QString();
    }

    void passwordFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, password);
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("pw"), content);
        QString read, error;
        QCOMPARE(SessionPassword::readFile(path, &read, &error), !password.isEmpty());
        if (password.isEmpty()) {
            QVERIFY2(error.contains(QLatin1String("is empty")), qPrintable(error));
            return;
        }
        QCOMPARE(read, password);
        QVERIFY(SessionPassword::matches(password, SessionPassword::toHeader(read)));
        QVERIFY(!SessionPassword::matches(password, SessionPassword::toHeader(read + QLatin1Char('!'))));
        QVERIFY(!SessionPassword::matches(password, QByteArray()));
    }

    void pluginOptions()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, QStringLiteral("pw"), "hunter2\n");
        PluginOptions o;
        QString error;
        QVERIFY2(PluginOptions::parse({QStringLiteral("--collab-connect"), QStringLiteral("wss://10.0.0.5:8765"),
                                       QStringLiteral("--collab-password-file"), file, QStringLiteral("--collab-pin"),
                                       QStringLiteral("10:89:35:87:95:f2:1a:79:db:31:74:b0:5a:ad:e7:20:92:b7:e8:c1:27:"
                                                      "38:aa:00:97:e8:49:ef:c5:d9:a5:49")},
                                      &o, &error),
                 qPrintable(error));
        QCOMPARE(o.password, QStringLiteral("hunter2"));
        QCOMPARE(CertificateFingerprint::format(o.pinnedSha256),
                 QStringLiteral("10:89:35:87:95:F2:1A:79:DB:31:74:B0:5A:AD:E7:20:92:B7:E8:C1:27:38:AA:00:97:E8:49:EF:"
                                "C5:D9:A5:49"));
        QVERIFY(PluginOptions::help().contains(QLatin1String("--collab-password-file")));
        QVERIFY(PluginOptions::help().contains(QLatin1String("--collab-pin")));

        const auto refused = [](const QStringList &args, const QString &mentions) {
            PluginOptions ignored;
            QString why;
            return !PluginOptions::parse(args, &ignored, &why) && why.contains(mentions);
        };
        // Never a password on the command line.
        QVERIFY(refused({QStringLiteral("--collab-password"), QStringLiteral("hunter2")},
                        QStringLiteral("--collab-password-file")));
        QVERIFY(refused({QStringLiteral("--collab-password-file"), dir.filePath(QStringLiteral("missing"))},
                        QStringLiteral("cannot read")));
        QVERIFY(refused({QStringLiteral("--collab-password-file"), writeFile(dir, QStringLiteral("e"), "")},
                        QStringLiteral("is empty")));
        QVERIFY(refused({QStringLiteral("--collab-connect"), QStringLiteral("wss://h:1"), QStringLiteral("--collab-pin"),
                         QStringLiteral("ABCD")},
                        QStringLiteral("64 hex digits")));
        QVERIFY(refused({QStringLiteral("--collab-connect"), QStringLiteral("ws://h:1"), QStringLiteral("--collab-pin"),
                         QString(64, QLatin1Char('a'))},
                        QStringLiteral("wss://")));
    }

    void dialogHostsAndJoinsWithPasswordAndNeverSavesIt()
    {
        MemoryScene scene;
        CollaborationSession session(&scene);
        CollaborationDialog dialog(&session, 0);
        dialog.setMode(CollaborationDialog::Mode::Host);
        auto *password = dialog.findChild<QLineEdit *>(QStringLiteral("hostPassword"));
        QVERIFY(password);
        QCOMPARE(password->echoMode(), QLineEdit::Password);
        dialog.findChild<QLineEdit *>(QStringLiteral("hostName"))->setText(QStringLiteral("alice"));
        qobject_cast<QComboBox *>(dialog.findChild<QWidget *>(QStringLiteral("listenAddress")))
            ->setCurrentText(QStringLiteral("127.0.0.1"));
        dialog.findChild<QSpinBox *>(QStringLiteral("port"))->setValue(freePort());
        password->setText(Secret);
        dialog.findChild<QPushButton *>(QStringLiteral("startStop"))->click();
        QVERIFY2(session.isServerRunning(), qPrintable(dialog.errorText()));
        QCOMPARE(session.server()->config().password, Secret);
        // Auto-connect used the same password.
        QTRY_COMPARE(session.client()->state(), CollabClient::State::Connected);

        // Someone else without it is refused.
        MemoryScene other;
        CollaborationSession guest(&other);
        guest.join(session.localServerUrl(), QStringLiteral("default"), QStringLiteral("bob"),
                   SyncManager::JoinMode::ReplaceLocalScene);
        QTRY_COMPARE(guest.client()->lastError(), QStringLiteral("the server requires a session password"));

        // The Connect page: password field, the right password gets in.
        CollaborationDialog join(&guest, 0);
        join.setMode(CollaborationDialog::Mode::Connect);
        auto *connectPassword = join.findChild<QLineEdit *>(QStringLiteral("connectPassword"));
        QVERIFY(connectPassword);
        QCOMPARE(connectPassword->echoMode(), QLineEdit::Password);
        join.findChild<QLineEdit *>(QStringLiteral("serverUrl"))->setText(session.localServerUrl().toString());
        join.findChild<QLineEdit *>(QStringLiteral("connectSession"))->setText(QStringLiteral("default"));
        join.findChild<QLineEdit *>(QStringLiteral("connectName"))->setText(QStringLiteral("bob"));
        connectPassword->setText(Secret);
        join.findChild<QPushButton *>(QStringLiteral("connectButton"))->click();
        QTRY_COMPARE(guest.client()->state(), CollabClient::State::Connected);

        // Nothing of it in the settings file, nor in a fresh dialog.
        QSettings settings;
        settings.sync();
        QFile file(settings.fileName());
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(settings.fileName()));
        const QByteArray stored = file.readAll();
        QVERIFY(stored.contains("serverUrl"));
        QVERIFY(!stored.contains(Secret.toUtf8()) && !stored.contains(SessionPassword::toHeader(Secret)));
        for (const QString &key : settings.allKeys())
            QVERIFY2(!key.contains(QLatin1String("password"), Qt::CaseInsensitive), qPrintable(key));
        CollaborationDialog fresh(&guest, 0);
        QVERIFY(fresh.findChild<QLineEdit *>(QStringLiteral("hostPassword"))->text().isEmpty());
        QVERIFY(fresh.findChild<QLineEdit *>(QStringLiteral("connectPassword"))->text().isEmpty());
    }

    void fingerprintFieldOnlyForWss()
    {
        MemoryScene scene;
        CollaborationSession session(&scene);
        CollaborationDialog dialog(&session, 0);
        dialog.setMode(CollaborationDialog::Mode::Connect);
        dialog.show();
        auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("serverUrl"));
        auto *pin = dialog.findChild<QLineEdit *>(QStringLiteral("certFingerprint"));
        QVERIFY(pin);
        url->setText(QStringLiteral("ws://127.0.0.1:8765"));
        QVERIFY(!pin->isVisible());
        url->setText(QStringLiteral("wss://127.0.0.1:8765"));
        QVERIFY(pin->isVisible());
        // A malformed pin is refused before anything is tried.
        pin->setText(QStringLiteral("not a digest"));
        dialog.findChild<QLineEdit *>(QStringLiteral("connectName"))->setText(QStringLiteral("bob"));
        dialog.findChild<QPushButton *>(QStringLiteral("connectButton"))->click();
        QVERIFY2(dialog.errorText().startsWith(QLatin1String("Certificate fingerprint:")), qPrintable(dialog.errorText()));
        QCOMPARE(session.client()->state(), CollabClient::State::Disconnected);
    }

private:
    static quint16 freePort()
    {
        QTcpServer probe;
        return probe.listen(QHostAddress::LocalHost) ? probe.serverPort() : 0;
    }
    QTemporaryDir m_config;
};

QTEST_MAIN(TestSecurityPassword)
#include "tst_security_password.moc"
