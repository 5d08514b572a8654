// SPDX-License-Identifier: MIT
// The acceptance check with real processes on one machine, loopback
// only: optiverse-collab-discover --json --timeout-ms 4000 lists a standalone
// server with its session and user count, a password-protected one as such,
// and a host stub hosting in-process; not a server run with --no-advertise.
#include "LoopbackDiscovery.h"
#include "ServerProcess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>
#include <sys/prctl.h>

class TestDiscoveryProcesses : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { loopbackDiscovery(); }
    void discoverListsWhatIsAnnounced();
    void humanReadableOutputSaysWhenNothingIsFound();

private:
    static QJsonObject serverOn(const QJsonArray &servers, quint16 port)
    {
        for (const QJsonValue &v : servers)
            if (QUrl(v[QLatin1String("url")].toString()).port() == port)
                return v.toObject();
        return {};
    }
    static QByteArray runDiscover(const QStringList &args, int *exitCode)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(QStringLiteral(DISCOVER_EXE), args);
        if (!p.waitForFinished(30000))
            return {};
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        return p.readAllStandardOutput();
    }
};

void TestDiscoveryProcesses::discoverListsWhatIsAnnounced()
{
    QTemporaryDir dir;
    const QString passwordFile = dir.filePath(QStringLiteral("pw"));
    QFile f(passwordFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("hunter2\n");
    f.close();

    ServerProcess plain, locked, silent;
    QVERIFY(plain.start({QStringLiteral("--server-name"), QStringLiteral("lab server")}));
    QVERIFY(locked.start({QStringLiteral("--password-file"), passwordFile}));
    QVERIFY(silent.start({QStringLiteral("--no-advertise")}));
    QVERIFY(plain.output().contains("Announced on the LAN"));
    QVERIFY(!silent.output().contains("Announced on the LAN"));
    // DNS-SD: announced, or skipped with one line (not built in, or no Avahi daemon).
    QCOMPARE(plain.logCount("DNS-SD:"), 1);
    QCOMPARE(silent.logCount("DNS-SD:"), 0);

    QWebSocket bob, carol;
    bob.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/lab/bob").arg(plain.port())));
    carol.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/lab/carol").arg(plain.port())));
    QTRY_VERIFY(bob.state() == QAbstractSocket::ConnectedState && carol.state() == QAbstractSocket::ConnectedState);

    // alice hosts from her application (the plugin's in-process server).
    QProcess host;
    host.setProcessChannelMode(QProcess::MergedChannels);
    host.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path());
    host.setProcessEnvironment(env);
    host.start(QStringLiteral(HOST_STUB),
               {QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                QStringLiteral("Collaboration"), QStringLiteral("--collab-host"), QStringLiteral("127.0.0.1:0"),
                QStringLiteral("--collab-session"), QStringLiteral("optics"), QStringLiteral("--collab-name"),
                QStringLiteral("alice")});
    QByteArray hostLog;
    connect(&host, &QProcess::readyRead, this, [&] { hostLog += host.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(hostLog.contains("hosting on ws://127.0.0.1:"), 20000);

    int exitCode = -2;
    const QByteArray printed = runDiscover({QStringLiteral("--json"), QStringLiteral("--timeout-ms"), QStringLiteral("4000")}, &exitCode);
    QCOMPARE(exitCode, 0);
    const QJsonDocument doc = QJsonDocument::fromJson(printed);
    QVERIFY2(doc.isObject(), printed.constData());
    const QJsonArray servers = doc[QLatin1String("servers")].toArray();

    const QJsonObject p = serverOn(servers, plain.port());
    QVERIFY2(!p.isEmpty(), printed.constData());
    QCOMPARE(p[QLatin1String("name")].toString(), QStringLiteral("lab server"));
    QCOMPARE(p[QLatin1String("password_required")], QJsonValue(false));
    QCOMPARE(p[QLatin1String("fingerprint")], QJsonValue(QJsonValue::Null));
    QCOMPARE(p[QLatin1String("sessions")].toArray(),
             (QJsonArray{QJsonObject{{QLatin1String("id"), QStringLiteral("lab")}, {QLatin1String("users"), 2}}}));

    const QJsonObject l = serverOn(servers, locked.port());
    QVERIFY2(!l.isEmpty(), printed.constData());
    QCOMPARE(l[QLatin1String("password_required")], QJsonValue(true));
    QVERIFY(!printed.contains("hunter2"));

    QVERIFY2(serverOn(servers, silent.port()).isEmpty(), printed.constData());

    QJsonObject hosted;
    for (const QJsonValue &v : servers)
        if (v[QLatin1String("name")] == QJsonValue(QStringLiteral("alice")))
            hosted = v.toObject();
    QVERIFY2(!hosted.isEmpty(), printed.constData());
    QCOMPARE(hosted[QLatin1String("sessions")].toArray(),
             (QJsonArray{QJsonObject{{QLatin1String("id"), QStringLiteral("optics")}, {QLatin1String("users"), 1}}}));
    QCOMPARE(servers.size(), 3);

    host.terminate();
    QVERIFY(host.waitForFinished(10000));
}

void TestDiscoveryProcesses::humanReadableOutputSaysWhenNothingIsFound()
{
    int exitCode = -2;
    // A port nobody announces on.
    const QByteArray printed = runDiscover({QStringLiteral("--timeout-ms"), QStringLiteral("300"), QStringLiteral("--port"),
                                            QString::number(qEnvironmentVariableIntValue("OPTIVERSE_DISCOVERY_PORT") ^ 1)},
                                           &exitCode);
    QCOMPARE(exitCode, 0);
    QVERIFY2(printed.contains("Multicast may be blocked"), printed.constData());
    QVERIFY(printed.contains("typing the server's URL works as before"));
}

QTEST_GUILESS_MAIN(TestDiscoveryProcesses)
#include "tst_discovery_processes.moc"
