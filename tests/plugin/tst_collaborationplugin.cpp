// SPDX-License-Identifier: MIT
// The real plugin, loaded with QPluginLoader into a host written from
// interfaces/ alone.
#include "MinimalHost.h"

#include <optiverse/iplugin.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenuBar>
#include <QPluginLoader>
#include <QStatusBar>
#include <QTcpServer>
#include <QTest>
#include <QToolButton>

class TestCollaborationPlugin : public QObject
{
    Q_OBJECT
private slots:
    void metadataIsCheckedBeforeLoading();
    void metadataFileMatchesHeader();
    void metadataOptionsAreTheCommandLineHelp();
    void addsAndRemovesMenuAndStatusWidget();
    void badUrlFailsCleanly_data();
    void badUrlFailsCleanly();
    void portInUseFailsCleanly();

private:
    static QStringList menuTitles(const MinimalHost &host);
};

QStringList TestCollaborationPlugin::menuTitles(const MinimalHost &host)
{
    QStringList titles;
    for (QAction *a : host.mainWindow()->menuBar()->actions())
        titles.append(a->text());
    return titles;
}

void TestCollaborationPlugin::metadataIsCheckedBeforeLoading()
{
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    const QJsonObject meta = loader.metaData();
    QVERIFY2(!meta.isEmpty(), qPrintable(loader.errorString()));
    QVERIFY(!loader.isLoaded()); // reading metadata does not run plugin code
    QCOMPARE(meta.value(QLatin1String("IID")).toString(), QStringLiteral(OPTIVERSE_IPLUGIN_IID));
    const QJsonObject data = meta.value(QLatin1String("MetaData")).toObject();
    QCOMPARE(data.value(QLatin1String("Name")).toString(), QStringLiteral("Collaboration"));
    QCOMPARE(data.value(QLatin1String("Interface")).toString(), QStringLiteral(OPTIVERSE_IPLUGIN_IID));
    QVERIFY(!data.value(QLatin1String("Version")).toString().isEmpty());
    QVERIFY(!data.value(QLatin1String("Description")).toString().isEmpty());
}

void TestCollaborationPlugin::metadataFileMatchesHeader()
{
    QFile file(QStringLiteral(METADATA_JSON));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject meta = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(meta.value(QLatin1String("Interface")).toString(), QStringLiteral(OPTIVERSE_IPLUGIN_IID));
    QVERIFY(meta.value(QLatin1String("OptionalInterfaces")).toArray().contains(
        QJsonValue(QStringLiteral("org.optiverse.IPresenceHost/1.0"))));
}

namespace {
/// "--name PARAM  description" entries of a help text (continuation lines joined).
QJsonArray optionsOfHelp(const QString &help)
{
    QJsonArray options;
    QJsonObject current;
    const QStringList lines = help.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(QLatin1String("--"))) {
            if (!current.isEmpty())
                options.append(current);
            // "--name PARAM" then at least two spaces, then the description.
            const qsizetype gap = trimmed.indexOf(QLatin1String("  "));
            const QStringList head = trimmed.left(gap).split(QLatin1Char(' '));
            current = {{QLatin1String("Name"), head.value(0)},
                       {QLatin1String("Parameter"), head.value(1)},
                       {QLatin1String("Description"), trimmed.mid(gap).trimmed()}};
        } else if (!current.isEmpty()) {
            current.insert(QLatin1String("Description"),
                           QString(current.value(QLatin1String("Description")).toString() + QLatin1Char(' ') + trimmed));
        }
    }
    if (!current.isEmpty())
        options.append(current);
    return options;
}
} // namespace

void TestCollaborationPlugin::metadataOptionsAreTheCommandLineHelp()
{
    // One list of options: what hosts show from the metadata without loading
    // the plugin is what the plugin itself documents and parses.
    QFile file(QStringLiteral(METADATA_JSON));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray fromFile = QJsonDocument::fromJson(file.readAll()).object().value(QLatin1String("Arguments")).toArray();
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    const QJsonArray embedded =
        loader.metaData().value(QLatin1String("MetaData")).toObject().value(QLatin1String("Arguments")).toArray();
    QCOMPARE(embedded, fromFile); // the built plugin carries the current file
    auto *plugin = qobject_cast<Optiverse::IPlugin *>(loader.instance());
    QVERIFY2(plugin, qPrintable(loader.errorString()));
    const QJsonArray fromHelp = optionsOfHelp(plugin->commandLineHelp());
    QCOMPARE(fromHelp.size(), 10);
    QCOMPARE(fromFile, fromHelp);
    QVERIFY(loader.unload());
}

void TestCollaborationPlugin::addsAndRemovesMenuAndStatusWidget()
{
    MinimalHost host;
    const QStringList before = menuTitles(host);
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    auto *plugin = qobject_cast<Optiverse::IPlugin *>(loader.instance());
    QVERIFY2(plugin, qPrintable(loader.errorString()));
    QString error;
    QVERIFY2(plugin->initialize(&host, {QStringLiteral("--unrelated-option")}, &error), qPrintable(error));

    QCOMPARE(menuTitles(host), before + QStringList{QStringLiteral("&Collaboration")});
    QMenu *menu = host.mainWindow()->menuBar()->actions().constLast()->menu();
    QVERIFY(menu);
    QCOMPARE(menu->objectName(), QStringLiteral("CollaborationMenu"));
    QStringList actions;
    for (QAction *a : menu->actions())
        actions.append(a->text());
    QCOMPARE(actions, (QStringList{QStringLiteral("&Connect/Host Session…"), QStringLiteral("&Disconnect"),
                                   QStringLiteral("&Reconnect Now"), QStringLiteral("Session &History…")}));
    QVERIFY(menu->actions().at(0)->isEnabled());
    QVERIFY(!menu->actions().at(1)->isEnabled()); // nothing to disconnect from yet
    QVERIFY(!menu->actions().at(2)->isEnabled()); // nothing to reconnect to
    auto *status = host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus"));
    QVERIFY(status);
    QCOMPARE(status->text(), QStringLiteral("Not connected"));

    plugin->shutdown();
    QCOMPARE(menuTitles(host), before);
    QVERIFY(!host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus")));
    QVERIFY(loader.unload());
}

void TestCollaborationPlugin::badUrlFailsCleanly_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("http") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("http://127.0.0.1:8765")}
                          << QStringLiteral("ws://");
    QTest::newRow("no port") << QStringList{QStringLiteral("--collab-connect=ws://127.0.0.1")}
                             << QStringLiteral("no port");
    QTest::newRow("garbage") << QStringList{QStringLiteral("--collab-connect"), QStringLiteral("::::")}
                             << QStringLiteral("not a WebSocket URL");
    QTest::newRow("missing value") << QStringList{QStringLiteral("--collab-name")} << QStringLiteral("needs a value");
    QTest::newRow("bad host port") << QStringList{QStringLiteral("--collab-host"), QStringLiteral("99999")}
                                   << QStringLiteral("not a port");
}

void TestCollaborationPlugin::badUrlFailsCleanly()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    MinimalHost host;
    const QStringList before = menuTitles(host);
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    auto *plugin = qobject_cast<Optiverse::IPlugin *>(loader.instance());
    QVERIFY(plugin);
    QString error;
    QVERIFY(!plugin->initialize(&host, arguments, &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QCOMPARE(menuTitles(host), before); // nothing left behind
    QVERIFY(!host.mainWindow()->statusBar()->findChild<QToolButton *>(QStringLiteral("CollaborationStatus")));
    loader.unload();
}

void TestCollaborationPlugin::portInUseFailsCleanly()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost));
    MinimalHost host;
    QPluginLoader loader(QStringLiteral(PLUGIN_PATH));
    auto *plugin = qobject_cast<Optiverse::IPlugin *>(loader.instance());
    QVERIFY(plugin);
    QString error;
    QVERIFY(!plugin->initialize(&host, {QStringLiteral("--collab-host"), QStringLiteral("127.0.0.1:%1").arg(occupant.serverPort())}, &error));
    QVERIFY2(error.contains(QString::number(occupant.serverPort())) && error.contains(QStringLiteral("in use")), qPrintable(error));
    loader.unload();
}

QTEST_MAIN(TestCollaborationPlugin)
#include "tst_collaborationplugin.moc"
