// SPDX-License-Identifier: MIT
// The product as users run it: optiverse-collab-server and several headless
// optiverse-host-stub processes with the Collaboration plugin, driven by
// --script and compared by --dump-scene.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

class TestProcesses : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void threeHostsThroughStandaloneServer();
    void hostServesFromInsideTheApplication();
    void helpListsEveryPluginOption();
    void badCollaborationOptionsFailCleanly_data();
    void badCollaborationOptionsFailCleanly();
    void closedPortIsReportedWithinEightSeconds();
    void aloneInASessionShowsOneUser();
    void serverStoppedIsShown();
    void sharedUrlLeadsToTheHostsSession();

private:
    static quint16 freePort();
    QString writeScript(const QString &name, const QJsonArray &steps);
    QProcess *startHost(const QString &name, const QStringList &extra);
    /// As startHost, without --collab-session: the session is whatever the
    /// arguments (or the URL) name.
    QProcess *startHostIn(const QString &name, const QStringList &extra);
    QJsonObject dump(const QString &name) const;
    /// The host stub's --dump-status file: its first status widget, and the window title.
    QJsonObject status(const QString &name) const;
    QTemporaryDir m_dir;
    QList<QProcess *> m_hosts;
};

quint16 TestProcesses::freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

void TestProcesses::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
}

QString TestProcesses::writeScript(const QString &name, const QJsonArray &steps)
{
    const QString path = m_dir.filePath(name + QStringLiteral(".script.json"));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(QJsonDocument(steps).toJson());
    return path;
}

QProcess *TestProcesses::startHost(const QString &name, const QStringList &extra)
{
    return startHostIn(name, QStringList{QStringLiteral("--collab-session"), QStringLiteral("bench-lab")} + extra);
}

QProcess *TestProcesses::startHostIn(const QString &name, const QStringList &extra)
{
    auto *p = new QProcess(this);
    p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QStringList args{QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                     QStringLiteral("Collaboration"), QStringLiteral("--collab-name"), name,
                     QStringLiteral("--dump-scene"), m_dir.filePath(name + QStringLiteral(".dump.json"))};
    p->start(QStringLiteral(HOST_STUB), args + extra);
    return p;
}

QJsonObject TestProcesses::dump(const QString &name) const
{
    QFile f(m_dir.filePath(name + QStringLiteral(".dump.json")));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

namespace {
QJsonObject add(const QString &type, const QString &id, double x)
{
    return {{QLatin1String("op"), QLatin1String("add")}, {QLatin1String("type"), type}, {QLatin1String("id"), id},
            {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0}, {QLatin1String("angle_deg"), 0}}}};
}
QJsonObject step(const char *op, const QString &id)
{
    return {{QLatin1String("op"), QLatin1String(op)}, {QLatin1String("id"), id}};
}
QJsonObject wait(int ms)
{
    return {{QLatin1String("op"), QLatin1String("wait")}, {QLatin1String("ms"), ms}};
}
QString uuid(int n)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
}
QStringList ids(const QJsonObject &dump)
{
    QStringList list;
    for (const QJsonValue &v : dump.value(QLatin1String("items")).toArray())
        list.append(v.toObject().value(QLatin1String("item_uuid")).toString());
    return list;
}
} // namespace

void TestProcesses::threeHostsThroughStandaloneServer()
{
    const quint16 port = freePort();
    QProcess server;
    server.start(QStringLiteral(SERVER_EXE), {QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)});
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += server.readAllStandardOutput()).contains("Ready."), 10000);
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(port);

    QJsonObject move = step("move", uuid(1));
    move.insert(QLatin1String("x_mm"), 42.0);
    move.insert(QLatin1String("angle_deg"), 30.0);
    QJsonObject update = step("update", uuid(3));
    update.insert(QLatin1String("data"), QJsonObject{{QLatin1String("wavelength_nm"), 532}});
    const QString alice = writeScript(QStringLiteral("alice"), {add(QStringLiteral("lens"), uuid(1), 10), add(QStringLiteral("mirror"), uuid(2), 20), wait(300), move, step("remove", uuid(2))});
    const QString bob = writeScript(QStringLiteral("bob"), {add(QStringLiteral("source"), uuid(3), 30), wait(300), update});
    const QString carol = writeScript(QStringLiteral("carol"), {add(QStringLiteral("text"), uuid(4), 40), add(QStringLiteral("ruler"), uuid(5), 50), step("remove", uuid(5))});

    const QStringList common{QStringLiteral("--collab-connect"), url, QStringLiteral("--quit-after"), QStringLiteral("5000")};
    QList<QProcess *> hosts{startHost(QStringLiteral("alice"), common + QStringList{QStringLiteral("--script"), alice}),
                            startHost(QStringLiteral("bob"), common + QStringList{QStringLiteral("--script"), bob}),
                            startHost(QStringLiteral("carol"), common + QStringList{QStringLiteral("--script"), carol})};
    for (QProcess *h : hosts) {
        QVERIFY(h->waitForFinished(30000));
        QCOMPARE(h->exitStatus(), QProcess::NormalExit);
        QCOMPARE(h->exitCode(), 0);
    }
    const QJsonObject a = dump(QStringLiteral("alice"));
    QCOMPARE(ids(a), (QStringList{uuid(1), uuid(3), uuid(4)}));
    QCOMPARE(dump(QStringLiteral("bob")), a);
    QCOMPARE(dump(QStringLiteral("carol")), a);
    const QJsonObject lens = a.value(QLatin1String("items")).toArray().at(0).toObject().value(QLatin1String("data")).toObject();
    QCOMPARE(lens.value(QLatin1String("x_mm")).toDouble(), 42.0);
    QCOMPARE(lens.value(QLatin1String("angle_deg")).toDouble(), 30.0);
    const QJsonObject source = a.value(QLatin1String("items")).toArray().at(1).toObject().value(QLatin1String("data")).toObject();
    QCOMPARE(source.value(QLatin1String("wavelength_nm")).toDouble(), 532.0);
    server.terminate();
    QVERIFY(server.waitForFinished(10000));
}

void TestProcesses::hostServesFromInsideTheApplication()
{
    const quint16 port = freePort();
    const QString alice = writeScript(QStringLiteral("h-alice"), {add(QStringLiteral("lens"), uuid(11), 1), wait(1500), step("remove", uuid(12))});
    const QString bob = writeScript(QStringLiteral("h-bob"), {wait(500), add(QStringLiteral("dichroic"), uuid(12), 2), add(QStringLiteral("waveplate"), uuid(13), 3)});
    QProcess *host = startHost(QStringLiteral("h-alice"), {QStringLiteral("--collab-host"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                           QStringLiteral("--script"), alice, QStringLiteral("--quit-after"), QStringLiteral("5000")});
    QVERIFY(host->waitForStarted());
    QProcess *guest = startHost(QStringLiteral("h-bob"), {QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
                                                          QStringLiteral("--script"), bob, QStringLiteral("--quit-after"), QStringLiteral("4000")});
    QVERIFY(guest->waitForFinished(30000));
    QVERIFY(host->waitForFinished(30000));
    QCOMPARE(host->exitCode(), 0);
    QCOMPARE(guest->exitCode(), 0);
    const QJsonObject a = dump(QStringLiteral("h-alice"));
    QCOMPARE(ids(a), (QStringList{uuid(11), uuid(13)}));
    QCOMPARE(dump(QStringLiteral("h-bob")), a);
}

void TestProcesses::helpListsEveryPluginOption()
{
    // --help reads the plugins' metadata without loading them: it must show
    // every option the plugin takes (the plugin's test ties metadata.json to
    // its commandLineHelp()).
    QProcess p;
    p.start(QStringLiteral(HOST_STUB), {QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    for (const char *option : {"--collab-connect ws://HOST:PORT", "--collab-session NAME", "--collab-name NAME",
                               "--collab-host [ADDR:]PORT", "--collab-password-file FILE", "--collab-pin SHA256"})
        QVERIFY2(out.contains(QLatin1String(option)), qPrintable(QLatin1String(option) + QLatin1Char('\n') + out));
}

void TestProcesses::badCollaborationOptionsFailCleanly_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("http url") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("http://127.0.0.1:8765")} << QStringLiteral("ws://");
    QTest::newRow("no port") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1")} << QStringLiteral("no port");
    QTest::newRow("other path") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1:8765/collab")}
                                << QStringLiteral("--collab-connect: \"/collab\" is not a session path; expected ws://HOST:PORT, "
                                                  "ws://HOST:PORT/ws/SESSION or ws://HOST:PORT/ws/SESSION/USER");
    QTest::newRow("two sessions") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1:8765/ws/lab"),
                                                 QStringLiteral("--collab-session"), QStringLiteral("optics")}
                                  << QStringLiteral("--collab-connect names session \"lab\" but --collab-session says \"optics\"");
}

void TestProcesses::badCollaborationOptionsFailCleanly()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QProcess p;
    p.start(QStringLiteral(HOST_STUB), QStringList{QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"), QStringLiteral("Collaboration")} + arguments);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY(p.exitCode() != 0);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(message), qPrintable(err));
}

QJsonObject TestProcesses::status(const QString &name) const
{
    QFile f(m_dir.filePath(name + QStringLiteral(".status.json")));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject all = QJsonDocument::fromJson(f.readAll()).object();
    QJsonObject first = all.value(QLatin1String("status")).toArray().at(0).toObject();
    first.insert(QLatin1String("title"), all.value(QLatin1String("title")));
    return first;
}

void TestProcesses::closedPortIsReportedWithinEightSeconds()
{
    // Nothing listens there: the user is told, in words, and it stops trying.
    const quint16 port = freePort();
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(port);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("optiverse.collab.client.debug=true"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(HOST_STUB),
            {QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
             QStringLiteral("Collaboration"), QStringLiteral("--collab-connect"), url, QStringLiteral("--collab-name"),
             QStringLiteral("refused"), QStringLiteral("--quit-after"), QStringLiteral("8000"),
             QStringLiteral("--dump-status"), m_dir.filePath(QStringLiteral("refused.status.json"))});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray log = p.readAllStandardError();
    const QJsonObject shown = status(QStringLiteral("refused"));
    QCOMPARE(shown.value(QLatin1String("text")).toString(),
             QStringLiteral("Error: cannot reach %1 (connection refused: is the server running, is the port right?)").arg(url));
    QVERIFY(shown.value(QLatin1String("tooltip")).toString().contains(QStringLiteral("cannot reach")));
    const auto attempts = log.count("connecting to");
    QVERIFY2(attempts >= 1 && attempts <= 3, log.constData());
    QCOMPARE(shown.value(QLatin1String("title")).toString(), QStringLiteral("Optiverse Host Stub")); // never in a session
}

void TestProcesses::aloneInASessionShowsOneUser()
{
    const quint16 port = freePort();
    QProcess *host = startHost(QStringLiteral("solo"), {QStringLiteral("--collab-host"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                        QStringLiteral("--quit-after"), QStringLiteral("2500"), QStringLiteral("--dump-status"),
                                                        m_dir.filePath(QStringLiteral("solo.status.json"))});
    QVERIFY(host->waitForFinished(30000));
    QCOMPARE(host->exitCode(), 0);
    const QJsonObject shown = status(QStringLiteral("solo"));
    QCOMPARE(shown.value(QLatin1String("text")).toString(), QStringLiteral("Connected (1 user)"));
    QVERIFY(shown.value(QLatin1String("tooltip")).toString().contains(QStringLiteral("Session: bench-lab")));
    QCOMPARE(shown.value(QLatin1String("title")).toString(), QStringLiteral("solo — bench-lab — Optiverse Host Stub"));
}

void TestProcesses::serverStoppedIsShown()
{
    const quint16 port = freePort();
    QProcess server;
    server.start(QStringLiteral(SERVER_EXE), {QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)});
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += server.readAllStandardOutput()).contains("Ready."), 10000);
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(port);
    // Someone already in the session sees the host stub arrive.
    QWebSocket observer;
    QByteArray seen;
    connect(&observer, &QWebSocket::textMessageReceived, this, [&seen](const QString &m) { seen += m.toUtf8(); });
    observer.open(QUrl(url + QStringLiteral("/ws/bench-lab/observer")));
    QProcess *host = startHost(QStringLiteral("stopped"), {QStringLiteral("--collab-connect"), url, QStringLiteral("--quit-after"),
                                                           QStringLiteral("6000"), QStringLiteral("--dump-status"),
                                                           m_dir.filePath(QStringLiteral("stopped.status.json"))});
    QTRY_VERIFY_WITH_TIMEOUT(seen.contains("\"stopped\""), 10000);
    server.terminate(); // SIGTERM: clients are closed with 1001
    QVERIFY(server.waitForFinished(10000));
    QVERIFY(host->waitForFinished(30000));
    QCOMPARE(host->exitCode(), 0);
    const QJsonObject shown = status(QStringLiteral("stopped"));
    const QString text = shown.value(QLatin1String("text")).toString();
    QVERIFY2(text.startsWith(QStringLiteral("Server stopped — reconnecting")), qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral(" 0 s")));
    QVERIFY(shown.value(QLatin1String("tooltip")).toString().contains(QStringLiteral("Connection lost: ")));
    QCOMPARE(shown.value(QLatin1String("title")).toString(), QStringLiteral("stopped — bench-lab — Optiverse Host Stub"));
}

void TestProcesses::sharedUrlLeadsToTheHostsSession()
{
    // alice hosts "optics" and shares the URL her log gives; bob pastes only
    // that URL and lands in optics; carol, told only the server, joins the
    // default session and is told where the others are.
    const quint16 port = freePort();
    const QString script = writeScript(QStringLiteral("s-alice"), {add(QStringLiteral("lens"), uuid(21), 1),
                                                                   add(QStringLiteral("mirror"), uuid(22), 2)});
    auto *alice = new QProcess(this);
    alice->start(QStringLiteral(HOST_STUB),
                 {QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                  QStringLiteral("Collaboration"), QStringLiteral("--collab-name"), QStringLiteral("alice"),
                  QStringLiteral("--collab-session"), QStringLiteral("optics"), QStringLiteral("--collab-host"),
                  QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--script"), script,
                  QStringLiteral("--quit-after"), QStringLiteral("60000")});
    const QString shared = QStringLiteral("ws://127.0.0.1:%1/ws/optics").arg(port);
    QByteArray log;
    QTRY_VERIFY2_WITH_TIMEOUT((log += alice->readAllStandardError()).contains(QByteArray("URL to share: " + shared.toUtf8())),
                              log.constData(), 20000);
    QCOMPARE(log.count("URL to share: "), 1); // bound to 127.0.0.1: one URL

    QProcess *bob = startHostIn(QStringLiteral("s-bob"), {QStringLiteral("--collab-connect"), shared,
                                                          QStringLiteral("--quit-after"), QStringLiteral("3000"),
                                                          QStringLiteral("--dump-status"), m_dir.filePath(QStringLiteral("s-bob.status.json"))});
    QVERIFY(bob->waitForFinished(30000));
    QCOMPARE(bob->exitCode(), 0);
    QCOMPARE(ids(dump(QStringLiteral("s-bob"))), (QStringList{uuid(21), uuid(22)}));
    QCOMPARE(status(QStringLiteral("s-bob")).value(QLatin1String("title")).toString(),
             QStringLiteral("s-bob — optics — Optiverse Host Stub"));

    QProcess *carol = startHostIn(QStringLiteral("s-carol"), {QStringLiteral("--collab-connect"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
                                                              QStringLiteral("--collab-session"), QStringLiteral("default"),
                                                              QStringLiteral("--quit-after"), QStringLiteral("3000"),
                                                              QStringLiteral("--dump-status"), m_dir.filePath(QStringLiteral("s-carol.status.json"))});
    QVERIFY(carol->waitForFinished(30000));
    QCOMPARE(carol->exitCode(), 0);
    const QJsonObject shown = status(QStringLiteral("s-carol"));
    const QString text = shown.value(QLatin1String("text")).toString();
    const QString tooltip = shown.value(QLatin1String("tooltip")).toString();
    QCOMPARE(text, QStringLiteral("New session 'default'; others: optics (1 user)"));
    QVERIFY2(tooltip.startsWith(QStringLiteral("Session 'default' is new on this server; it also has: optics (1 user).")),
             qPrintable(tooltip));
    QVERIFY(ids(dump(QStringLiteral("s-carol"))).isEmpty());

    alice->terminate();
    QVERIFY(alice->waitForFinished(30000));
}

QTEST_MAIN(TestProcesses)
#include "tst_processes.moc"
