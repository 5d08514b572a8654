// SPDX-License-Identifier: MIT
// Recordings as users run them: the real
// optiverse-collab-server with --data-dir, headless host stubs editing
// through --script, `--export SESSION FILE`, and host stubs playing the
// recording with --collab-replay / --collab-replay-until, or restoring with
// --collab-restore; scenes compared with --dump-scene.
#include "ServerProcess.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestHistoryReplay : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString writeScript(const QString &name, const QJsonArray &steps)
    {
        QFile f(path(name + QStringLiteral(".script.json")));
        if (f.open(QIODevice::WriteOnly))
            f.write(QJsonDocument(steps).toJson());
        return f.fileName();
    }
    /// Runs a host stub to its end; returns its exit code (-1: crashed or hung).
    int runHost(const QString &name, const QStringList &extra, QByteArray *printed = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(HOST_STUB),
                QStringList{QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                            QStringLiteral("Collaboration"), QStringLiteral("--collab-name"), name,
                            QStringLiteral("--dump-scene"), path(name + QStringLiteral(".dump.json"))}
                    + extra);
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        if (printed)
            *printed = p.readAll();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }
    QJsonArray dump(const QString &name) const
    {
        QFile f(path(name + QStringLiteral(".dump.json")));
        if (!f.open(QIODevice::ReadOnly))
            return {QStringLiteral("no dump")};
        return QJsonDocument::fromJson(f.readAll()).object().value(QLatin1String("items")).toArray();
    }
    int exportTo(const QString &file, QByteArray *printed)
    {
        return ServerProcess::runToExit({QStringLiteral("--data-dir"), path(QStringLiteral("data")),
                                         QStringLiteral("--export"), QStringLiteral("lab"), path(file)},
                                        printed);
    }
    QList<QJsonObject> lines(const QString &file) const
    {
        QList<QJsonObject> out;
        QFile f(path(file));
        if (f.open(QIODevice::ReadOnly))
            for (const QByteArray &line : f.readAll().split('\n'))
                if (!line.isEmpty())
                    out.append(QJsonDocument::fromJson(line).object());
        return out;
    }

    static QString uuid(int n) { return QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0')); }
    static QJsonObject add(const QString &type, int n, double x)
    {
        return {{QLatin1String("op"), QLatin1String("add")}, {QLatin1String("type"), type}, {QLatin1String("id"), uuid(n)},
                {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0}, {QLatin1String("angle_deg"), 0},
                                                     {QLatin1String("focal_length"), 100}}}};
    }
    static QJsonObject step(const char *op, int n, const QJsonObject &extra = {})
    {
        QJsonObject o = extra;
        o.insert(QLatin1String("op"), QLatin1String(op));
        o.insert(QLatin1String("id"), uuid(n));
        return o;
    }
    static QJsonObject wait(int ms) { return {{QLatin1String("op"), QLatin1String("wait")}, {QLatin1String("ms"), ms}}; }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", path(QStringLiteral("config")).toUtf8());
    }

    void exportReplaysAsTheLiveSceneAndRestoreFollows()
    {
        auto server = std::make_unique<ServerProcess>();
        QVERIFY(server->start({QStringLiteral("--data-dir"), path(QStringLiteral("data"))}));
        const QStringList join{QStringLiteral("--collab-connect"), server->url().toString(), QStringLiteral("--collab-session"),
                               QStringLiteral("lab"), QStringLiteral("--quit-after"), QStringLiteral("4000")};
        const QString alice = writeScript(QStringLiteral("alice"),
            {add(QStringLiteral("lens"), 1, 10), add(QStringLiteral("mirror"), 2, 20), wait(400),
             step("move", 1, {{QLatin1String("x_mm"), 42.0}, {QLatin1String("angle_deg"), 30.0}}), wait(400),
             step("update", 3, {{QLatin1String("data"), QJsonObject{{QLatin1String("wavelength_nm"), 633}}}}),
             step("remove", 2)});
        const QString bob = writeScript(QStringLiteral("bob"),
            {add(QStringLiteral("source"), 3, 30), wait(200),
             step("update", 1, {{QLatin1String("data"), QJsonObject{{QLatin1String("focal_length"), 75}}}}), wait(300),
             add(QStringLiteral("text"), 4, 40)});
        QProcess a, b;
        for (auto [proc, name, script] : {std::tuple{&a, QStringLiteral("alice"), alice}, std::tuple{&b, QStringLiteral("bob"), bob}}) {
            proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            proc->start(QStringLiteral(HOST_STUB),
                        QStringList{QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                                    QStringLiteral("Collaboration"), QStringLiteral("--collab-name"), name,
                                    QStringLiteral("--dump-scene"), path(name + QStringLiteral(".dump.json")),
                                    QStringLiteral("--script"), script} + join);
        }
        QVERIFY(a.waitForFinished(60000) && b.waitForFinished(60000));
        QCOMPARE(a.exitCode(), 0);
        QCOMPARE(b.exitCode(), 0);
        const QJsonArray live = dump(QStringLiteral("alice"));
        QCOMPARE(live.size(), 3);
        QCOMPARE(dump(QStringLiteral("bob")), live);

        // kill -9: every acknowledged operation is still in the history.
        server->kill();
        QTRY_VERIFY_WITH_TIMEOUT(!server->isRunning(), 10000);
        QByteArray printed;
        QCOMPARE(exportTo(QStringLiteral("one.jsonl"), &printed), 0);
        const QList<QJsonObject> one = lines(QStringLiteral("one.jsonl"));
        QVERIFY(one.size() >= 8);
        QCOMPARE(one.first().value(QLatin1String("type")).toString(), QStringLiteral("recording"));
        QCOMPARE(one.first().value(QLatin1String("format")).toInt(), 1);
        QCOMPARE(one.first().value(QLatin1String("session")).toString(), QStringLiteral("lab"));
        const qint64 head = one.last().value(QLatin1String("seq")).toInteger();
        for (const QJsonObject &op : one.mid(1)) {
            QVERIFY(op.value(QLatin1String("user_id")).isString());
            QVERIFY(op.value(QLatin1String("timestamp")).isString());
            QVERIFY(op.value(QLatin1String("command")).isObject());
        }

        // The export replays into a host stub as exactly the live scene.
        QCOMPARE(runHost(QStringLiteral("replay"), {QStringLiteral("--collab-replay"), path(QStringLiteral("one.jsonl")),
                                                    QStringLiteral("--quit-after"), QStringLiteral("300")}), 0);
        QCOMPARE(dump(QStringLiteral("replay")), live);

        // --collab-replay-until SEQ and --collab-restore SEQ give the same scene.
        const qint64 seq = 4;
        QCOMPARE(runHost(QStringLiteral("until"), {QStringLiteral("--collab-replay"), path(QStringLiteral("one.jsonl")),
                                                   QStringLiteral("--collab-replay-until"), QString::number(seq),
                                                   QStringLiteral("--quit-after"), QStringLiteral("300")}), 0);
        const QJsonArray atSeq = dump(QStringLiteral("until"));
        QVERIFY(atSeq != live);
        QVERIFY(!atSeq.isEmpty());
        server = std::make_unique<ServerProcess>();
        QVERIFY(server->start({QStringLiteral("--data-dir"), path(QStringLiteral("data"))}));
        QCOMPARE(runHost(QStringLiteral("carol"), {QStringLiteral("--collab-connect"), server->url().toString(),
                                                   QStringLiteral("--collab-session"), QStringLiteral("lab"),
                                                   QStringLiteral("--collab-restore"), QString::number(seq),
                                                   QStringLiteral("--quit-after"), QStringLiteral("2500")}), 0);
        QCOMPARE(dump(QStringLiteral("carol")), atSeq);
        server->stop();

        // The restore is in the next export, and replaying that ends at the restored scene.
        QCOMPARE(exportTo(QStringLiteral("two.jsonl"), &printed), 0);
        const QList<QJsonObject> two = lines(QStringLiteral("two.jsonl"));
        QVERIFY(two.size() > one.size());
        for (const QJsonObject &op : two.mid(one.size())) {
            QCOMPARE(op.value(QLatin1String("user_id")).toString(), QStringLiteral("carol"));
            QCOMPARE(op.value(QLatin1String("group")).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("restore"));
            QCOMPARE(op.value(QLatin1String("group")).toObject().value(QLatin1String("target_seq")).toInteger(), seq);
            QVERIFY(op.value(QLatin1String("seq")).toInteger() > head);
        }
        QCOMPARE(runHost(QStringLiteral("replay2"), {QStringLiteral("--collab-replay"), path(QStringLiteral("two.jsonl")),
                                                     QStringLiteral("--quit-after"), QStringLiteral("300")}), 0);
        QCOMPARE(dump(QStringLiteral("replay2")), atSeq);
    }

    void badRecordingsAreRefusedWhole_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        const QByteArray header = R"({"type":"recording","session":"lab","exported_at":"2026-01-01T00:00:00Z","format":1,"base_seq":0,"head_seq":2,"operations":2})" "\n";
        const QByteArray op1 = R"({"type":"operation","seq":1,"user_id":"a","timestamp":"2026-01-01T00:00:00.000Z","time_ms":1,"command":{"action":"add_item","item_id":"00000000-0000-4000-8000-000000000001","item_type":"lens","data":{"x_mm":1,"y_mm":2}},"changes":[{"item_id":"00000000-0000-4000-8000-000000000001","item_type":"lens","after":{"x_mm":1,"y_mm":2}}]})" "\n";
        const QByteArray op2 = QByteArray(op1).replace("\"seq\":1", "\"seq\":2").replace("000000000001", "000000000002");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not an Optiverse recording: the file is empty");
        QTest::newRow("not a recording") << QByteArray("{\"items\":[]}\n") << QStringLiteral("not an Optiverse recording");
        QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n", 8) << QStringLiteral("not an Optiverse recording");
        QTest::newRow("cut mid-line") << header + op1 + op2.left(40) << QStringLiteral("line 3 is cut short: the file is truncated");
        QTest::newRow("cut at a line") << header + op1 << QStringLiteral("the file is truncated");
        QTest::newRow("newer format") << QByteArray(header).replace("\"format\":1", "\"format\":7") + op1 + op2
                                      << QStringLiteral("format 7 is newer");
        QTest::newRow("out of order") << header + op2 + op1 << QStringLiteral("line 3: seq 1 does not follow seq 2");
        QTest::newRow("bad command") << header + op1 + QByteArray(op2).replace("add_item", "fly_item")
                                     << QStringLiteral("line 3: \"command\": unknown action");
    }
    void badRecordingsAreRefusedWhole()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QFile f(path(QStringLiteral("bad.jsonl")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        QFile::remove(path(QStringLiteral("bad.dump.json")));
        QByteArray printed;
        QCOMPARE(runHost(QStringLiteral("bad"), {QStringLiteral("--collab-replay"), f.fileName(),
                                                 QStringLiteral("--quit-after"), QStringLiteral("300")}, &printed), 3);
        QVERIFY2(printed.contains(message.toUtf8()), printed.constData());
        QVERIFY(!QFile::exists(path(QStringLiteral("bad.dump.json"))) || dump(QStringLiteral("bad")).isEmpty());
    }
};

QTEST_MAIN(TestHistoryReplay)
#include "tst_history_replay.moc"
