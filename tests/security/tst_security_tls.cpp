// SPDX-License-Identifier: MIT
// wss:// with the real optiverse-collab-server process and the self-signed
// test certificate in tests/data: fingerprint and URLs at start, pinned
// clients sync, unpinned or wrongly pinned clients are refused with a
// readable reason, and ws:// / wss:// mix-ups say what to change.
#include "CertificateFingerprint.h"
#include "CollabServer.h"
#include "CollaborationSession.h"
#include "MemoryScene.h"
#include "StatusWidget.h"
#include "TestSupport.h"
#include "TlsCredentials.h"

#include <QApplication>
#include <QJsonDocument>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>

#include "ServerProcess.h"

#include <csignal>
#include <memory>

using namespace Optiverse::Collab;

namespace {

const QString DataDir = QStringLiteral(OPTIVERSE_TEST_DATA);
const QString CertFile = DataDir + QStringLiteral("/server.crt");
const QString KeyFile = DataDir + QStringLiteral("/server.key");
const QString Secret = QStringLiteral("tls-test-Secret-4711");

QByteArray certificateDigest()
{
    const QList<QSslCertificate> certs = QSslCertificate::fromPath(CertFile);
    return certs.isEmpty() ? QByteArray() : certs.constFirst().digest(QCryptographicHash::Sha256);
}



Optiverse::SceneItem lens(double x)
{
    return {QUuid::createUuid(), QStringLiteral("lens"),
            QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0}}};
}

QByteArray otherDigest()
{
    QByteArray d = certificateDigest();
    d[0] = char(d.at(0) ^ 0x5a);
    return d;
}

} // namespace

class TestSecurityTls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QSslSocket::supportsSsl(), "no TLS backend");
        QVERIFY2(!certificateDigest().isEmpty(), qPrintable(CertFile));
        QVERIFY(m_dir.isValid());
        // Joining remembers owner tokens in the settings: never the user's own.
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
        m_passwordFile = m_dir.filePath(QStringLiteral("password"));
        QFile f(m_passwordFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(Secret.toUtf8() + '\n');
    }

    void startPrintsFingerprintAndWssUrls()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile}));
        const QString printed = QString::fromUtf8(server.output());
        QVERIFY2(printed.contains(QStringLiteral("TLS certificate SHA-256 fingerprint: ")
                                  + CertificateFingerprint::format(certificateDigest())),
                 qPrintable(printed));
        QVERIFY(printed.contains(QStringLiteral("wss://127.0.0.1:%1").arg(server.port())));
        QVERIFY(!printed.contains(QStringLiteral("ws://127.0.0.1")));
    }

    void pinnedClientsSyncOverTlsWithPassword()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile,
                              QStringLiteral("--password-file"), m_passwordFile, QStringLiteral("--debug")}));
        MemoryScene sceneA, sceneB;
        CollaborationSession a(&sceneA), b(&sceneB);
        StatusWidget status(b.client());
        a.join(server.url(QStringLiteral("wss")), QStringLiteral("lab"), QStringLiteral("alice"),
               SyncManager::JoinMode::ShareLocalScene, Secret, certificateDigest());
        b.join(server.url(QStringLiteral("wss")), QStringLiteral("lab"), QStringLiteral("bob"),
               SyncManager::JoinMode::ReplaceLocalScene, Secret, certificateDigest());
        QTRY_COMPARE(status.text(), QStringLiteral("Connected (2 users)"));
        QTRY_COMPARE(a.client()->users().size(), 2);

        const Optiverse::SceneItem item = lens(12.5);
        QVERIFY(sceneA.addItem(item, Optiverse::ChangeOrigin::Local, nullptr));
        QTRY_COMPARE(sceneB.items().size(), 1);
        QCOMPARE(sceneB.item(item.uuid).data.value(QLatin1String("x_mm")).toDouble(), 12.5);
        QVERIFY(sceneB.moveItem(item.uuid, 3, 4, 90, Optiverse::ChangeOrigin::Local, nullptr));
        QTRY_COMPARE(sceneA.item(item.uuid).data.value(QLatin1String("angle_deg")).toDouble(), 90.0);

        a.leave();
        b.leave();
        const QByteArray log = server.stop();
        QVERIFY2(log.contains("User bob joined session lab"), log.constData()); // --debug did log
        QVERIFY2(!log.contains(Secret.toUtf8()), log.constData());
    }

    void unpinnedClientRefusesSelfSignedCertificate()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile}));
        MemoryScene scene;
        CollaborationSession s(&scene);
        s.client()->setReconnectBackoff(10, 20);
        StatusWidget status(s.client());
        QSignalSpy states(s.client(), &CollabClient::stateChanged);
        s.join(server.url(QStringLiteral("wss")), QStringLiteral("lab"), QStringLiteral("carol"),
               SyncManager::JoinMode::ReplaceLocalScene);
        QTRY_VERIFY2(status.text().startsWith(QLatin1String("Error: the server's certificate is not trusted")),
                     qPrintable(status.text()));
        QVERIFY2(status.text().contains(QLatin1String("self-signed")), qPrintable(status.text()));
        // It names the fingerprint to check with the server's operator.
        QVERIFY(status.text().contains(CertificateFingerprint::format(certificateDigest())));
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
        QCOMPARE(states.count(), 2); // Connecting, Disconnected: no retry
    }

    void wrongPinIsRefused()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile,
                              QStringLiteral("--password-file"), m_passwordFile}));
        MemoryScene scene;
        CollaborationSession s(&scene);
        StatusWidget status(s.client());
        s.join(server.url(QStringLiteral("wss")), QStringLiteral("lab"), QStringLiteral("carol"),
               SyncManager::JoinMode::ReplaceLocalScene, Secret, otherDigest());
        QTRY_VERIFY2(status.text().startsWith(QLatin1String("Error: the server's certificate does not match the pinned "
                                                            "fingerprint")),
                     qPrintable(status.text()));
        QVERIFY(status.text().contains(CertificateFingerprint::format(certificateDigest())));
        QVERIFY(status.text().contains(CertificateFingerprint::format(otherDigest())));
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
        // The password never reached the impostor: the server saw no WebSocket at all.
        const QByteArray log = server.stop();
        QVERIFY2(!log.contains("Refused") && !log.contains("joined"), log.constData());
    }

    void plainWsToTlsPortSaysUseWss()
    {
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile}));
        MemoryScene scene;
        CollaborationSession s(&scene);
        StatusWidget status(s.client());
        s.join(server.url(QStringLiteral("ws")), QStringLiteral("lab"), QStringLiteral("dave"),
               SyncManager::JoinMode::ReplaceLocalScene);
        QTRY_COMPARE(status.text(), QStringLiteral("Error: The server did not answer the WebSocket handshake; if it "
                                                   "uses TLS, use wss:// instead of ws://"));
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
        const QByteArray log = server.stop();
        QVERIFY2(log.contains("TLS handshake with 127.0.0.1 failed"), log.constData());
    }

    void wssToPlainPortSaysUseWs()
    {
        CollabServer plain;
        QString error;
        QVERIFY(plain.listen(QHostAddress(QHostAddress::LocalHost), 0, &error));
        MemoryScene scene;
        CollaborationSession s(&scene);
        StatusWidget status(s.client());
        s.join(QUrl(QStringLiteral("wss://127.0.0.1:%1").arg(plain.port())), QStringLiteral("lab"),
               QStringLiteral("erin"), SyncManager::JoinMode::ReplaceLocalScene, QString(), certificateDigest());
        // At once, not after the handshake timeout.
        QTRY_COMPARE_WITH_TIMEOUT(status.text(),
                                  QStringLiteral("Error: The server closed the connection during the TLS handshake; "
                                                 "if it does not use TLS, use ws:// instead of wss://"),
                                  3000);
        QCOMPARE(s.client()->state(), CollabClient::State::Disconnected);
    }

    void hostStubJoinsWithPasswordFileAndPin()
    {
#ifndef OPTIVERSE_HOST_STUB
        QSKIP("optiverse-host-stub is not built");
#else
        // The plugin's own options, end to end: no password or pin on the command line but the digest.
        ServerProcess server;
        QVERIFY(server.start({QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), KeyFile,
                              QStringLiteral("--password-file"), m_passwordFile}));
        MemoryScene scene;
        CollaborationSession watcher(&scene);
        watcher.join(server.url(QStringLiteral("wss")), QStringLiteral("lab"), QStringLiteral("watcher"),
                     SyncManager::JoinMode::ShareLocalScene, Secret, certificateDigest());
        QTRY_COMPARE(watcher.client()->state(), CollabClient::State::Connected);

        const QString id = QStringLiteral("5e0d1c1a-0000-4000-8000-000000000001");
        const QString script = m_dir.filePath(QStringLiteral("stub.json"));
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("[{\"op\":\"add\",\"type\":\"lens\",\"id\":\"%1\","
                               "\"data\":{\"x_mm\":7,\"y_mm\":0,\"angle_deg\":0}}]").arg(id).toUtf8());
        f.close();
        QProcess stub;
        stub.setProcessChannelMode(QProcess::MergedChannels);
        stub.start(QStringLiteral(OPTIVERSE_HOST_STUB),
                   {QStringLiteral("--plugin-dir"), QStringLiteral(OPTIVERSE_PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                    QStringLiteral("Collaboration"), QStringLiteral("--collab-connect"),
                    server.url(QStringLiteral("wss")).toString(), QStringLiteral("--collab-session"),
                    QStringLiteral("lab"), QStringLiteral("--collab-name"), QStringLiteral("stub"),
                    QStringLiteral("--collab-password-file"), m_passwordFile, QStringLiteral("--collab-pin"),
                    CertificateFingerprint::format(certificateDigest()), QStringLiteral("--script"), script,
                    QStringLiteral("--quit-after"), QStringLiteral("20000")});
        QVERIFY(stub.waitForStarted(5000));
        QTRY_COMPARE_WITH_TIMEOUT(scene.item(QUuid(id)).data.value(QLatin1String("x_mm")).toDouble(), 7.0, 10000);
        stub.kill();
        stub.waitForFinished(5000);
        QVERIFY(!stub.readAll().contains(Secret.toUtf8()));
#endif
    }

    void slowTlsReaderIsDropped()
    {
        // Over TLS what a peer does not read piles up as encrypted bytes, which
        // QSslSocket::bytesToWrite() does not count: the cap must see them too.
        ServerConfig config;
        QString error;
        QVERIFY2(TlsCredentials::load(CertFile, KeyFile, &config.tlsCertificateChain, &config.tlsKey, &error),
                 qPrintable(error));
        config.maxSendBufferBytes = 1024 * 1024; // above one burst of ten 60 kB messages
        config.maxMessagesPerSecond = 100000;
        config.burst = 100000;
        CollabServer server(config);
        QVERIFY2(server.listen(QHostAddress(QHostAddress::LocalHost), 0, &error), qPrintable(error));

        struct Peer
        {
            QWebSocket socket;
            QList<QJsonObject> messages;
            int count(const QString &type) const
            {
                return int(std::count_if(messages.cbegin(), messages.cend(), [&](const QJsonObject &m) {
                    return m.value(QLatin1String("type")).toString() == type;
                }));
            }
        };
        const auto open = [&server](const QString &user) {
            auto peer = std::make_unique<Peer>();
            Peer *p = peer.get();
            QObject::connect(&p->socket, &QWebSocket::sslErrors, &p->socket, [p] { p->socket.ignoreSslErrors(); });
            QObject::connect(&p->socket, &QWebSocket::textMessageReceived, &p->socket, [p](const QString &text) {
                p->messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
            });
            QNetworkRequest request(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws/s/%2").arg(server.port()).arg(user)));
            request.setRawHeader("X-Optiverse-Capabilities", "seq");
            p->socket.open(request);
            return peer;
        };
        auto writer = open(QStringLiteral("writer"));
        auto watcher = open(QStringLiteral("watcher"));
        auto slow = open(QStringLiteral("slow"));
        QTRY_COMPARE(server.connectionCount(), 3);
        QTRY_COMPARE(watcher->count(QStringLiteral("user:joined")), 1); // slow joined after watcher
        auto *slowTls = slow->socket.findChild<QSslSocket *>();
        QVERIFY(slowTls && slowTls->isEncrypted());
        slowTls->setReadBufferSize(1024); // stops reading: the kernel buffers fill, then the server's

        const QString blob(60000, QLatin1Char('b'));
        int sent = 0;
        while (watcher->count(QStringLiteral("user:left")) == 0 && sent < 600) {
            for (int i = 0; i < 10; ++i, ++sent) {
                writer->socket.sendTextMessage(QString::fromUtf8(QJsonDocument(TestSupport::command(
                    QStringLiteral("add_item"), QStringLiteral("i%1").arg(sent), {{QLatin1String("blob"), blob}})).toJson(QJsonDocument::Compact)));
            }
            QTRY_VERIFY2_WITH_TIMEOUT(watcher->count(QStringLiteral("command")) >= sent,
                                      qPrintable(QStringLiteral("writer: %1 %2 %3").arg(writer->socket.closeCode()).arg(writer->socket.closeReason(), writer->socket.errorString())), 10000);
        }
        QTRY_COMPARE(watcher->count(QStringLiteral("user:left")), 1);
        QCOMPARE(server.connectionCount(), 2);
        qInfo() << "TLS slow reader dropped after" << sent << "messages of 60 kB";
    }

    void badTlsAndPasswordArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString missing = DataDir + QStringLiteral("/missing.pem");
        QTest::newRow("cert without key") << QStringList{QStringLiteral("--tls-cert"), CertFile}
                                          << QStringLiteral("--tls-key");
        QTest::newRow("key without cert") << QStringList{QStringLiteral("--tls-key"), KeyFile}
                                          << QStringLiteral("--tls-cert");
        QTest::newRow("missing cert") << QStringList{QStringLiteral("--tls-cert"), missing, QStringLiteral("--tls-key"), KeyFile}
                                      << QStringLiteral("cannot read certificate file");
        QTest::newRow("missing key") << QStringList{QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), missing}
                                     << QStringLiteral("cannot read key file");
        QTest::newRow("key as cert") << QStringList{QStringLiteral("--tls-cert"), KeyFile, QStringLiteral("--tls-key"), KeyFile}
                                     << QStringLiteral("no PEM certificate");
        QTest::newRow("cert as key") << QStringList{QStringLiteral("--tls-cert"), CertFile, QStringLiteral("--tls-key"), CertFile}
                                     << QStringLiteral("no PEM private key");
        QTest::newRow("missing password file") << QStringList{QStringLiteral("--password-file"), missing}
                                               << QStringLiteral("cannot read password file");
        QTest::newRow("empty password file") << QStringList{QStringLiteral("--password-file"), QStringLiteral("/dev/null")}
                                             << QStringLiteral("is empty");
    }

    void badTlsAndPasswordArguments()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QByteArray out;
        QCOMPARE(ServerProcess::runToExit(args, &out), 1);
        QVERIFY2(QString::fromUtf8(out).contains(mentions), out.constData());
    }

    void helpDocumentsEveryOptionWithItsDefault()
    {
        QByteArray out;
        QCOMPARE(ServerProcess::runToExit({QStringLiteral("--help")}, &out), 0);
        // One entry per option: "  --name <ARG>  text…" plus its continuation lines.
        QHash<QString, QString> entries;
        QString current;
        for (const QString &line : QString::fromUtf8(out).split(QLatin1Char('\n'))) {
            const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("^  (?:-\\w, )?--([\\w-]+)")).match(line);
            if (m.hasMatch())
                current = m.captured(1);
            else if (!line.startsWith(QLatin1String("    ")))
                current.clear();
            if (!current.isEmpty())
                entries[current] += line;
        }
        const QStringList options{QStringLiteral("host"), QStringLiteral("port"), QStringLiteral("debug"),
                                  QStringLiteral("data-dir"), QStringLiteral("max-message-bytes"),
                                  QStringLiteral("max-state-bytes"),
                                  QStringLiteral("max-rate"), QStringLiteral("max-users"),
                                  QStringLiteral("handshake-timeout-ms"), QStringLiteral("keepalive-ms"),
                                  QStringLiteral("max-send-buffer"), QStringLiteral("history"),
                                  QStringLiteral("allowed-origin"), QStringLiteral("password-file"),
                                  QStringLiteral("tls-cert")};
        for (const QString &option : options) {
            QVERIFY2(entries.contains(option), qPrintable(option));
            QVERIFY2(entries.value(option).contains(QLatin1String("default"), Qt::CaseInsensitive),
                     qPrintable(entries.value(option)));
        }
        QVERIFY(entries.contains(QStringLiteral("tls-key")));
    }

private:
    QTemporaryDir m_dir;
    QString m_passwordFile;
};

QTEST_MAIN(TestSecurityTls)
#include "tst_security_tls.moc"
