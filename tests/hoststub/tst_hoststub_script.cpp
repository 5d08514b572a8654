// SPDX-License-Identifier: MIT
// The automation options, run against the real optiverse-host-stub
// executable: --script, --dump-scene, --quit-after, exit codes, plugin
// arguments. Plus HostOptions' argv splitting in-process.
#include "HostOptions.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QString kExe = QStringLiteral(HOSTSTUB_EXE);
const QString kOkDir = QStringLiteral(TESTPLUGIN_OK_DIR);
const QString kFailsDir = QStringLiteral(TESTPLUGIN_FAILS_DIR);

struct Run
{
    int exitCode = -1;
    QString err;
    QString out;
};
} // namespace

class TestScript : public QObject
{
    Q_OBJECT

private:
    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(content);
        return path;
    }

    Run run(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("qt.qpa.*=false"));
        env.remove(QStringLiteral("OPTIVERSE_PLUGIN_PATH"));
        p.setProcessEnvironment(env);
        p.start(kExe, args);
        Run r;
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished();
            r.err = QStringLiteral("timed out");
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.err = QString::fromUtf8(p.readAllStandardError());
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        return r;
    }

    QJsonArray dumpedItems(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("items")).toArray();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(QFile::exists(kExe));
    }

    void optionsSplitHostAndPluginArguments()
    {
        HostOptions o;
        const QStringList argv{QStringLiteral("host"),
                               QStringLiteral("--collab-connect"), QStringLiteral("ws://x:1"),
                               QStringLiteral("--plugin-dir"), QStringLiteral("/p1"),
                               QStringLiteral("--plugin-dir=/p2"),
                               QStringLiteral("--enable-plugin"), QStringLiteral("Collaboration"),
                               QStringLiteral("--collab-name"), QStringLiteral("Ann"),
                               QStringLiteral("--script"), QStringLiteral("s.json"),
                               QStringLiteral("--dump-scene"), QStringLiteral("d.json"),
                               QStringLiteral("--quit-after"), QStringLiteral("250"),
                               QStringLiteral("-x")};
        QCOMPARE(o.parse(argv), HostOptions::Status::Ok);
        QCOMPARE(o.pluginDirs, (QStringList{QStringLiteral("/p1"), QStringLiteral("/p2")}));
        QCOMPARE(o.enabledPlugins, QStringList{QStringLiteral("Collaboration")});
        QCOMPARE(o.scriptFile, QStringLiteral("s.json"));
        QCOMPARE(o.dumpSceneFile, QStringLiteral("d.json"));
        QCOMPARE(o.quitAfterMs, 250);
        QCOMPARE(o.pluginArguments, (QStringList{QStringLiteral("--collab-connect"), QStringLiteral("ws://x:1"),
                                                 QStringLiteral("--collab-name"), QStringLiteral("Ann"),
                                                 QStringLiteral("-x")}));

        QCOMPARE(o.parse({QStringLiteral("host"), QStringLiteral("--quit-after"), QStringLiteral("soon")}),
                 HostOptions::Status::Error);
        QVERIFY(o.errorString().contains(QStringLiteral("soon")));
        QCOMPARE(o.parse({QStringLiteral("host"), QStringLiteral("--script")}), HostOptions::Status::Error);
        QCOMPARE(o.parse({QStringLiteral("host"), QStringLiteral("--help")}), HostOptions::Status::Help);
        QCOMPARE(o.parse({QStringLiteral("host"), QStringLiteral("--version")}), HostOptions::Status::Version);
    }

    void validScriptProducesExpectedDump()
    {
        const QString script = write(QStringLiteral("valid.json"), R"([
            {"op": "add", "type": "lens", "id": "{00000000-0000-0000-0000-00000000000a}", "data": {"x_mm": 10, "focal_length_mm": 50}},
            {"op": "add", "type": "component", "id": "00000000-0000-0000-0000-00000000000b", "data": {"parts": [1, 2]}},
            {"op": "add", "type": "mirror", "id": "00000000-0000-0000-0000-00000000000c"},
            {"op": "move", "id": "00000000-0000-0000-0000-00000000000a", "y_mm": -5, "angle_deg": 90},
            {"op": "wait", "ms": 20},
            {"op": "update", "id": "{00000000-0000-0000-0000-00000000000b}", "data": {"label": "x"}},
            {"op": "remove", "id": "00000000-0000-0000-0000-00000000000c"}
        ])");
        const QString dump = m_dir.filePath(QStringLiteral("valid-dump.json"));
        const Run r = run({QStringLiteral("--script"), script, QStringLiteral("--dump-scene"), dump,
                           QStringLiteral("--quit-after"), QStringLiteral("1500")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(!r.err.contains(QStringLiteral("step")), qPrintable(r.err));

        const QByteArray expected = R"({"items": [
            {"item_uuid": "00000000-0000-0000-0000-00000000000a", "item_type": "lens",
             "data": {"x_mm": 10, "y_mm": -5, "angle_deg": 90, "focal_length_mm": 50}},
            {"item_uuid": "00000000-0000-0000-0000-00000000000b", "item_type": "component",
             "data": {"parts": [1, 2], "label": "x"}}
        ]})";
        QFile f(dump);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.contains("\n    \"items\"")); // indented
        QCOMPARE(QJsonDocument::fromJson(text), QJsonDocument::fromJson(expected));
    }

    void invalidScriptsExitWithCode2_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("malformed json") << QByteArray(R"([{"op": "add", )") << "not valid JSON";
        QTest::newRow("not an array") << QByteArray(R"({"op": "add"})") << "must be a JSON array";
        QTest::newRow("step not an object") << QByteArray(R"([{"op": "wait", "ms": 1}, 42])")
                                            << "step 2: must be an object, not a number";
        QTest::newRow("unknown op") << QByteArray(R"([{"op":"add","type":"lens"},{"op":"wait","ms":1},{"op":"jump"}])")
                                    << "step 3: unknown op \"jump\"";
        QTest::newRow("missing op") << QByteArray(R"([{"id": "x"}])") << "step 1: missing field \"op\"";
        QTest::newRow("missing id") << QByteArray(R"([{"op":"add","type":"lens"},{"op":"move","x_mm":1}])")
                                    << "step 2: missing field \"id\"";
        QTest::newRow("missing type") << QByteArray(R"([{"op":"add"}])") << "step 1: missing field \"type\"";
        QTest::newRow("missing data") << QByteArray(R"([{"op":"update","id":"00000000-0000-0000-0000-00000000000a"}])")
                                      << "step 1: missing field \"data\"";
        QTest::newRow("missing ms") << QByteArray(R"([{"op":"wait"}])") << "step 1: missing field \"ms\"";
        QTest::newRow("wrong type") << QByteArray(R"([{"op":"move","id":"00000000-0000-0000-0000-00000000000a","x_mm":"1"}])")
                                    << "step 1: field \"x_mm\" must be a number, not a string";
        QTest::newRow("bad uuid") << QByteArray(R"([{"op":"remove","id":"nope"}])")
                                  << "step 1: \"id\" is not a valid UUID: \"nope\"";
        QTest::newRow("bad lens data") << QByteArray(R"([{"op":"add","type":"lens","data":{"focal_length_mm":"long"}}])")
                                       << "step 1: invalid \"data\": focal_length_mm must be a number, not a string.";
        QTest::newRow("bad data pose") << QByteArray(R"([{"op":"add","type":"lens","data":{"y_mm":null}}])")
                                       << "step 1: field \"y_mm\" must be a number, not null";
    }
    void invalidScriptsExitWithCode2()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        const QString script = write(QStringLiteral("bad.json"), content);
        const QString dump = m_dir.filePath(QStringLiteral("bad-dump.json"));
        QFile::remove(dump);
        // Validation happens before anything runs: the exit comes before the event loop and the dump.
        const Run r = run({QStringLiteral("--script"), script, QStringLiteral("--dump-scene"), dump,
                           QStringLiteral("--quit-after"), QStringLiteral("0")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(script + QStringLiteral(": ")), qPrintable(r.err));
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFile::exists(dump)); // nothing executed, not even the exit dump
    }

    void missingScriptFileExitsWithCode2()
    {
        const Run r = run({QStringLiteral("--script"), m_dir.filePath(QStringLiteral("absent.json"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("absent.json: no such file")), qPrintable(r.err));
        const Run d = run({QStringLiteral("--script"), m_dir.path()});
        QCOMPARE(d.exitCode, 2);
        QVERIFY2(d.err.contains(QStringLiteral("not a file")), qPrintable(d.err));
    }

    void stepOnMissingItemIsSkipped()
    {
        const QString script = write(QStringLiteral("skip.json"), R"([
            {"op": "add", "type": "ruler", "id": "00000000-0000-0000-0000-00000000000a"},
            {"op": "move", "id": "00000000-0000-0000-0000-0000000000ff", "x_mm": 1},
            {"op": "update", "id": "00000000-0000-0000-0000-00000000000a", "data": {"length_mm": 42}},
            {"op": "remove", "id": "{00000000-0000-0000-0000-0000000000fe}"}
        ])");
        const QString dump = m_dir.filePath(QStringLiteral("skip-dump.json"));
        const Run r = run({QStringLiteral("--script"), script, QStringLiteral("--dump-scene"), dump,
                           QStringLiteral("--quit-after"), QStringLiteral("500")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(QStringLiteral("step 2: skipped: no item with id 00000000-0000-0000-0000-0000000000ff")),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("step 4: skipped: no item with id 00000000-0000-0000-0000-0000000000fe")),
                 qPrintable(r.err));
        const QJsonArray items = dumpedItems(dump);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.at(0)[QStringLiteral("data")][QStringLiteral("length_mm")].toDouble(), 42.0);
    }

    void unknownOptionsReachPluginsAndStepsRunAfterThem()
    {
        // TestOk adds the item named by --testplugin-add during initialize();
        // the script can edit it only if it runs after plugins are up.
        const QString script = write(QStringLiteral("after.json"), R"([
            {"op": "update", "id": "00000000-0000-0000-0000-0000000000aa", "data": {"edited": true}}
        ])");
        const QString dump = m_dir.filePath(QStringLiteral("after-dump.json"));
        const Run r = run({QStringLiteral("--plugin-dir"), kOkDir, QStringLiteral("--enable-plugin"), QStringLiteral("TestOk"),
                           QStringLiteral("--testplugin-add"), QStringLiteral("00000000-0000-0000-0000-0000000000aa"),
                           QStringLiteral("--script"), script, QStringLiteral("--dump-scene"), dump,
                           QStringLiteral("--quit-after"), QStringLiteral("500")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray items = dumpedItems(dump);
        QCOMPARE(items.size(), 1);
        const QJsonObject data = items.at(0)[QStringLiteral("data")].toObject();
        QCOMPARE(data.value(QStringLiteral("added_by")).toString(), QStringLiteral("testplugin_ok"));
        QCOMPARE(data.value(QStringLiteral("edited")).toBool(), true);
    }

    void pluginProblemsExitWithCode3()
    {
        const Run missing = run({QStringLiteral("--plugin-dir"), kOkDir, QStringLiteral("--enable-plugin"),
                                 QStringLiteral("NoSuchPlugin"), QStringLiteral("--quit-after"), QStringLiteral("0")});
        QCOMPARE(missing.exitCode, 3);
        QVERIFY2(missing.err.contains(QStringLiteral("\"NoSuchPlugin\" was not found")), qPrintable(missing.err));

        const Run fails = run({QStringLiteral("--plugin-dir"), kFailsDir, QStringLiteral("--enable-plugin"),
                               QStringLiteral("TestFails"), QStringLiteral("--quit-after"), QStringLiteral("0")});
        QCOMPARE(fails.exitCode, 3);
        QVERIFY2(fails.err.contains(QStringLiteral("TestFails refuses to start: this plugin always fails.")),
                 qPrintable(fails.err));
    }

    void usageVersionHelpAndDumpFailure()
    {
        QCOMPARE(run({QStringLiteral("--quit-after"), QStringLiteral("abc")}).exitCode, 1);
        QCOMPARE(run({QStringLiteral("--dump-scene")}).exitCode, 1);

        const Run version = run({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.contains(QStringLiteral(OPTIVERSE_HOSTSTUB_VERSION)));

        const Run help = run({QStringLiteral("--help"), QStringLiteral("--plugin-dir"), kOkDir});
        QCOMPARE(help.exitCode, 0);
        for (const char *option : {"--plugin-dir", "--enable-plugin", "--script", "--dump-scene", "--quit-after",
                                   "--testplugin-add"})
            QVERIFY2(help.out.contains(QLatin1String(option)), option);

        const Run dump = run({QStringLiteral("--dump-scene"), m_dir.filePath(QStringLiteral("no/such/dir/d.json")),
                              QStringLiteral("--quit-after"), QStringLiteral("0")});
        QCOMPARE(dump.exitCode, 4);
        QVERIFY2(dump.err.contains(QStringLiteral("Cannot write")), qPrintable(dump.err));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestScript)
#include "tst_hoststub_script.moc"
