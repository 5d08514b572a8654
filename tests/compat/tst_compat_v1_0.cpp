// SPDX-License-Identifier: MIT
// A host built against the contract 1.0 headers as they first landed
// (tests/compat/v1_0, checked against the history) loads today's plugin and
// ends with exactly the scene of a host stub it shares a session with, through
// the real optiverse-collab-server.
#include "MinimalHost.h"
#include "ServerProcess.h"

#include <optiverse/iplugin.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPluginLoader>
#include <QProcess>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <functional>
#include <memory>

using namespace Optiverse;

class TestCompatV10 : public QObject
{
    Q_OBJECT
private slots:
    void headersAreContract10();
    void pluginPassesTheHostCheckOf10();
    void hostBuiltAgainst10SyncsWithHostStub();
};

namespace {
QJsonObject step(const char *op, const QUuid &id)
{
    return {{QLatin1String("op"), QLatin1String(op)}, {QLatin1String("id"), id.toString(QUuid::WithoutBraces)}};
}

QJsonObject pose(double x)
{
    return {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0}};
}

/// A scene dump's items sorted by item_uuid (the two hosts sort differently).
QJsonArray sortedItems(const QJsonObject &dump)
{
    QJsonArray items = dump.value(QLatin1String("items")).toArray();
    QList<QJsonObject> list;
    for (const QJsonValue &v : items)
        list.append(v.toObject());
    std::sort(list.begin(), list.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(QLatin1String("item_uuid")).toString() < b.value(QLatin1String("item_uuid")).toString();
    });
    QJsonArray out;
    for (const QJsonObject &o : list)
        out.append(o);
    return out;
}
} // namespace

void TestCompatV10::headersAreContract10()
{
    // The include path gives this file the vendored 1.0 headers, which know
    // nothing of the contract version macros of 1.1.
#ifdef OPTIVERSE_CONTRACT_VERSION_MINOR
    QFAIL("built against the current headers, not the 1.0 ones");
#endif
    QCOMPARE(QByteArray(OPTIVERSE_IPLUGIN_IID), QByteArray("org.optiverse.IPlugin/1.0"));
}

void TestCompatV10::pluginPassesTheHostCheckOf10()
{
    // What interfaces/README.md told 1.0 hosts to check, without loading code.
    const QJsonObject meta = QPluginLoader(QStringLiteral(PLUGIN_PATH)).metaData();
    QCOMPARE(meta.value(QLatin1String("IID")).toString(), QStringLiteral(OPTIVERSE_IPLUGIN_IID));
    const QJsonObject md = meta.value(QLatin1String("MetaData")).toObject();
    QCOMPARE(md.value(QLatin1String("Interface")).toString(), QStringLiteral(OPTIVERSE_IPLUGIN_IID));
    QVERIFY(!md.value(QLatin1String("Name")).toString().isEmpty());
}

void TestCompatV10::hostBuiltAgainst10SyncsWithHostStub()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qputenv("XDG_CONFIG_HOME", dir.filePath(QStringLiteral("config")).toUtf8());
    ServerProcess server;
    QVERIFY(server.start());
    const QString url = server.url().toString();

    MinimalHost host;
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    auto *plugin = qobject_cast<IPlugin *>(loader.instance()); // compares the 1.0 IID
    QVERIFY2(plugin, qPrintable(loader.errorString()));
    QString error;
    bool running = false;
    // Shut down and unload whatever happens, so no plugin object outlives its library.
    const std::unique_ptr<void, std::function<void(void *)>> unload(&loader, [&](void *) {
        if (running)
            plugin->shutdown();
        loader.unload();
    });
    running = plugin->initialize(&host,
                                 {QStringLiteral("--collab-connect"), url, QStringLiteral("--collab-session"),
                                  QStringLiteral("compat"), QStringLiteral("--collab-name"), QStringLiteral("old")},
                                 &error);
    QVERIFY2(running, qPrintable(error));
    auto *status = host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Connected (1 user)"), 20000);

    // The old host adds a lens; the stub adds a mirror with minimal data,
    // gives it a key, and undoes that (the key must go everywhere, also
    // from this host, which cannot delete keys and so re-creates the item).
    MemoryScene &scene = host.memoryScene();
    const SceneItem lens{QUuid::createUuid(), QStringLiteral("lens"), pose(10)};
    QVERIFY(scene.addItem(lens, ChangeOrigin::Local, &error));
    const QUuid mirror = QUuid::createUuid();
    QJsonObject add = step("add", mirror);
    add.insert(QLatin1String("type"), QStringLiteral("mirror"));
    add.insert(QLatin1String("data"), pose(20));
    QJsonObject update = step("update", mirror);
    update.insert(QLatin1String("data"), QJsonObject{{QLatin1String("coating"), QStringLiteral("gold")}});
    const QJsonArray steps{add, QJsonObject{{QLatin1String("op"), QLatin1String("wait")}, {QLatin1String("ms"), 500}},
                           update, QJsonObject{{QLatin1String("op"), QLatin1String("wait")}, {QLatin1String("ms"), 500}},
                           QJsonObject{{QLatin1String("op"), QLatin1String("undo")}}};
    const QString script = dir.filePath(QStringLiteral("stub.script.json"));
    const QString dumpFile = dir.filePath(QStringLiteral("stub.dump.json"));
    {
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(steps).toJson());
    }
    QProcess stub;
    stub.setProcessChannelMode(QProcess::ForwardedChannels);
    stub.start(QStringLiteral(HOST_STUB),
               {QStringLiteral("--plugin-dir"), QStringLiteral(PLUGIN_DIR), QStringLiteral("--enable-plugin"),
                QStringLiteral("Collaboration"), QStringLiteral("--collab-connect"), url, QStringLiteral("--collab-session"),
                QStringLiteral("compat"), QStringLiteral("--collab-name"), QStringLiteral("stub"), QStringLiteral("--script"),
                script, QStringLiteral("--dump-scene"), dumpFile, QStringLiteral("--quit-after"), QStringLiteral("6000")});
    QVERIFY(stub.waitForStarted());

    // The stub's mirror arrives as sent, then with the key, then without it.
    QTRY_VERIFY_WITH_TIMEOUT(!scene.item(mirror).uuid.isNull(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(scene.item(mirror).data.contains(QLatin1String("coating")), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!scene.item(mirror).data.contains(QLatin1String("coating")), 20000);
    QCOMPARE(scene.item(mirror).data, pose(20));
    // The old host moves both; the stub must end with the same scene.
    QVERIFY(scene.moveItem(mirror, 25, 5, 90, ChangeOrigin::Local, &error));
    QVERIFY(scene.moveItem(lens.uuid, 15, -5, 45, ChangeOrigin::Local, &error));

    // The event loop keeps running meanwhile: our moves must still go out.
    QTRY_VERIFY_WITH_TIMEOUT(stub.state() == QProcess::NotRunning, 30000);
    QCOMPARE(stub.exitStatus(), QProcess::NormalExit);
    QCOMPARE(stub.exitCode(), 0);
    QFile dump(dumpFile);
    QVERIFY(dump.open(QIODevice::ReadOnly));
    const QJsonArray stubItems = sortedItems(QJsonDocument::fromJson(dump.readAll()).object());
    const QJsonArray ourItems = sortedItems(QJsonDocument::fromJson(scene.dump()).object());
    QCOMPARE(ourItems.size(), 2);
    QCOMPARE(QJsonDocument(stubItems).toJson(), QJsonDocument(ourItems).toJson()); // same items, keys, values

}

QTEST_MAIN(TestCompatV10)
#include "tst_compat_v1_0.moc"
