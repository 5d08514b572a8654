// SPDX-License-Identifier: MIT
// PluginManager and its dialog with real plugin libraries (tests/plugins):
// metadata-only vetting, enable/disable with the IHost symmetry rule,
// persistence in QSettings, failures, duplicates.
#include "HostMainWindow.h"
#include "PluginManager.h"
#include "PluginManagerDialog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QJsonValue>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPluginLoader>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QString kOkDir = QStringLiteral(TESTPLUGIN_OK_DIR);
const QString kOkFile = QStringLiteral(TESTPLUGIN_OK_FILE);
const QString kFailsDir = QStringLiteral(TESTPLUGIN_FAILS_DIR);
const QString kWrongIidDir = QStringLiteral(TESTPLUGIN_WRONGIID_DIR);
const QString kWrongIidFile = QStringLiteral(TESTPLUGIN_WRONGIID_FILE);
const QString kBadInterfaceDir = QStringLiteral(TESTPLUGIN_BADINTERFACE_DIR);
const QString kBadInterfaceFile = QStringLiteral(TESTPLUGIN_BADINTERFACE_FILE);

// True when @p file is mapped into this process: the proof that code was loaded.
bool isMapped(const QString &file)
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly))
        return false;
    const QByteArray canonical = QFileInfo(file).canonicalFilePath().toUtf8();
    return maps.readAll().contains(canonical);
}

QSettings settings()
{
    return QSettings(QStringLiteral("Optiverse"), QStringLiteral("HostStub"));
}

PluginSpec specAt(const PluginManager *pm, const QString &path)
{
    for (const PluginSpec &s : pm->plugins()) {
        if (QFileInfo(s.filePath).canonicalFilePath() == QFileInfo(path).canonicalFilePath())
            return s;
    }
    return {};
}

QMenu *pluginMenu(HostMainWindow *w)
{
    for (QAction *a : w->menuBar()->actions()) {
        if (a->menu() && a->menu()->objectName() == QLatin1String("testplugin_ok_menu"))
            return a->menu();
    }
    return nullptr;
}

int rowOf(QTableWidget *table, const QString &name)
{
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, PluginManagerDialog::NameColumn)->text() == name)
            return r;
    }
    return -1;
}
} // namespace

class TestPluginManager : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_config.isValid());
        // Isolate the settings: never read or write the user's real ones.
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_config.path()));
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_config.path());
        qunsetenv("OPTIVERSE_PLUGIN_PATH");
    }

    void init()
    {
        settings().clear();
        m_window = new HostMainWindow;
        m_window->show();
        m_pm = m_window->pluginManager();
    }

    void cleanup()
    {
        delete m_window;
        m_window = nullptr;
        QVERIFY(!qEnvironmentVariableIsSet("OPTIVERSE_TESTPLUGIN_WRONGIID_LOADED"));
        QVERIFY(!qEnvironmentVariableIsSet("OPTIVERSE_TESTPLUGIN_BADINTERFACE_LOADED"));
    }

    void searchPathsInOrder()
    {
        qputenv("OPTIVERSE_PLUGIN_PATH", "/a::/b");
        const QStringList paths = PluginManager::searchPaths({QStringLiteral("/c")});
        qunsetenv("OPTIVERSE_PLUGIN_PATH");
        QCOMPARE(paths, (QStringList{QCoreApplication::applicationDirPath() + QStringLiteral("/plugins"),
                                     QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c")}));
    }

    void contractVersionSameMajorAnyMinor_data()
    {
        QTest::addColumn<QJsonValue>("contractVersion");
        QTest::addColumn<QString>("problem"); // empty: accepted
        QTest::newRow("absent (a 1.0 plugin)") << QJsonValue(QJsonValue::Undefined) << QString();
        QTest::newRow("1.0") << QJsonValue(QStringLiteral("1.0")) << QString();
        QTest::newRow("1.1") << QJsonValue(QStringLiteral("1.1")) << QString();
        QTest::newRow("1.2 (this contract)") << QJsonValue(QStringLiteral("1.2")) << QString();
        QTest::newRow("1.9 (a newer minor)") << QJsonValue(QStringLiteral("1.9")) << QString();
        QTest::newRow("2.0") << QJsonValue(QStringLiteral("2.0"))
                             << QStringLiteral("The plugin needs contract 2.0; this host implements contract 1.3.");
        QTest::newRow("not a version") << QJsonValue(QStringLiteral("one"))
                                       << QStringLiteral("The plugin metadata's \"ContractVersion\" must be "
                                                         "\"MAJOR.MINOR\", e.g. \"1.1\".");
        QTest::newRow("a number") << QJsonValue(1.1)
                                  << QStringLiteral("The plugin metadata's \"ContractVersion\" must be "
                                                    "\"MAJOR.MINOR\", e.g. \"1.1\".");
    }

    void contractVersionSameMajorAnyMinor()
    {
        // The IID never changes (qobject_cast compares it); the minor version
        // travels in "ContractVersion" and any minor of major 1 is accepted.
        QFETCH(QJsonValue, contractVersion);
        QFETCH(QString, problem);
        QJsonObject md{{QStringLiteral("Name"), QStringLiteral("Future")},
                       {QStringLiteral("Interface"), QStringLiteral("org.optiverse.IPlugin/1.0")}};
        if (!contractVersion.isUndefined())
            md.insert(QStringLiteral("ContractVersion"), contractVersion);
        const QJsonObject metaData{{QStringLiteral("IID"), QStringLiteral("org.optiverse.IPlugin/1.0")},
                                   {QStringLiteral("MetaData"), md}};
        const PluginSpec spec = PluginSpec::fromMetaData(QStringLiteral("/x/libfuture.so"), metaData);
        QCOMPARE(spec.errorString, problem);
        QCOMPARE(spec.state, problem.isEmpty() ? PluginSpec::State::Disabled : PluginSpec::State::Incompatible);
    }

    void collaborationPluginDeclaresThisContract()
    {
        // The real plugin says which minor version it was built for, and keeps
        // the 1.0 IID and Interface so 1.0 hosts still accept it.
        const QJsonObject metaData = QPluginLoader(QStringLiteral(COLLAB_PLUGIN_FILE)).metaData();
        QCOMPARE(metaData.value(QStringLiteral("IID")).toString(), QStringLiteral("org.optiverse.IPlugin/1.0"));
        const QJsonObject md = metaData.value(QStringLiteral("MetaData")).toObject();
        QCOMPARE(md.value(QStringLiteral("Interface")).toString(), QStringLiteral("org.optiverse.IPlugin/1.0"));
        QCOMPARE(md.value(QStringLiteral("ContractVersion")).toString(), QStringLiteral("1.3"));
        QVERIFY(PluginSpec::fromMetaData(QStringLiteral(COLLAB_PLUGIN_FILE), metaData).isCompatible());
    }

    void discoveryVetsMetadataWithoutLoading()
    {
        m_pm->discover({kOkDir, kFailsDir, kWrongIidDir, kBadInterfaceDir, QStringLiteral("/nonexistent")});
        QCOMPARE(m_pm->plugins().size(), 4);

        const PluginSpec ok = specAt(m_pm, kOkFile);
        QCOMPARE(ok.name, QStringLiteral("TestOk"));
        QCOMPARE(ok.version, QStringLiteral("1.2.3"));
        QCOMPARE(ok.compatVersion, QStringLiteral("1.0.0"));
        QCOMPARE(ok.vendor, QStringLiteral("Optiverse Tests"));
        QVERIFY(ok.description.startsWith(QStringLiteral("Adds a menu")));
        QCOMPARE(ok.state, PluginSpec::State::Disabled);
        QVERIFY(ok.errorString.isEmpty());
        QCOMPARE(m_pm->plugin(QStringLiteral("TestFails")).state, PluginSpec::State::Disabled);

        const PluginSpec wrong = specAt(m_pm, kWrongIidFile);
        QCOMPARE(wrong.state, PluginSpec::State::Incompatible);
        QVERIFY2(wrong.errorString.contains(QStringLiteral("Not an Optiverse plugin")), qPrintable(wrong.errorString));
        QVERIFY(wrong.errorString.contains(QStringLiteral("org.example.NotOptiverse/1.0")));

        const PluginSpec bad = specAt(m_pm, kBadInterfaceFile);
        QCOMPARE(bad.name, QStringLiteral("BadInterface"));
        QCOMPARE(bad.state, PluginSpec::State::Incompatible);
        QCOMPARE(bad.errorString, QStringLiteral("Interface \"org.optiverse.IPlugin/2.0\" is not supported; "
                                                 "this host supports \"org.optiverse.IPlugin/1.0\"."));

        // Enabling an incompatible plugin is refused from metadata alone.
        QString error;
        QVERIFY(!m_pm->enablePlugin(QStringLiteral("BadInterface"), false, &error));
        QVERIFY2(error.contains(QStringLiteral("is not supported")), qPrintable(error));

        // No code was loaded: not even the compatible, not-yet-enabled ones.
        for (const QString &file : {kOkFile, kWrongIidFile, kBadInterfaceFile}) {
            QVERIFY2(!isMapped(file), qPrintable(file));
            QVERIFY(!QPluginLoader(file).isLoaded());
        }
    }

    void enableAndDisable()
    {
        m_pm->discover({kOkDir});
        const QStringList args{QStringLiteral("--collab-connect"), QStringLiteral("ws://x:1"), QStringLiteral("-z")};
        m_pm->setPluginArguments(args);
        QSignalSpy changed(m_pm, &PluginManager::pluginStateChanged);
        const int menusBefore = int(m_window->menuBar()->actions().size());

        QString error;
        QVERIFY2(m_pm->setPluginEnabled(QStringLiteral("TestOk"), true, &error), qPrintable(error));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(m_pm->plugin(QStringLiteral("TestOk")).state, PluginSpec::State::Enabled);
        QCOMPARE(m_pm->loadOrder(), QStringList{QStringLiteral("TestOk")});
        QVERIFY(m_pm->instance(QStringLiteral("TestOk")));
        QVERIFY(isMapped(kOkFile));
        QCOMPARE(m_window->property("testplugin_ok.initializeCount").toInt(), 1);
        QCOMPARE(m_window->property("testplugin_ok.arguments").toStringList(), args);
        QVERIFY(m_window->property("testplugin_ok.hasPresence").toBool());
        // Its menu sits before Help, its widget in the status bar.
        QMenu *menu = pluginMenu(m_window);
        QVERIFY(menu);
        const QList<QAction *> actions = m_window->menuBar()->actions();
        QCOMPARE(actions.indexOf(menu->menuAction()), actions.indexOf(m_window->helpMenu()->menuAction()) - 1);
        auto *status = m_window->statusBar()->findChild<QLabel *>(QStringLiteral("testplugin_ok_status"));
        QVERIFY(status);
        QVERIFY(status->isVisible());
        QVERIFY(settings().value(QStringLiteral("plugins/TestOk/enabled")).toBool());

        QSignalSpy unloaded(m_pm, &PluginManager::pluginUnloaded);
        QVERIFY(m_pm->setPluginEnabled(QStringLiteral("TestOk"), false, &error));
        QCOMPARE(unloaded.size(), 1);
        QCOMPARE(m_window->property("testplugin_ok.shutdownCount").toInt(), 1);
        QVERIFY(!pluginMenu(m_window));
        QCOMPARE(int(m_window->menuBar()->actions().size()), menusBefore);
        QVERIFY(!m_window->statusBar()->findChild<QLabel *>(QStringLiteral("testplugin_ok_status")));
        QCOMPARE(m_pm->plugin(QStringLiteral("TestOk")).state, PluginSpec::State::Disabled);
        QVERIFY(m_pm->loadOrder().isEmpty());
        QVERIFY(!m_pm->instance(QStringLiteral("TestOk")));
        QCOMPARE(settings().value(QStringLiteral("plugins/TestOk/enabled")).toBool(), false);

        // And back: a disabled plugin can be enabled again.
        QVERIFY(m_pm->setPluginEnabled(QStringLiteral("TestOk"), true, &error));
        QCOMPARE(m_window->property("testplugin_ok.initializeCount").toInt(), 2);
        QVERIFY(pluginMenu(m_window));
    }

    void runOnlyEnableIsNotPersisted()
    {
        m_pm->discover({kOkDir});
        QVERIFY(m_pm->enablePlugin(QStringLiteral("TestOk"), false, nullptr));
        QVERIFY(!settings().contains(QStringLiteral("plugins/TestOk/enabled")));
        m_pm->shutdownAll(); // quitting does not record "disabled" either
        QVERIFY(!settings().contains(QStringLiteral("plugins/TestOk/enabled")));
        QCOMPARE(m_window->property("testplugin_ok.shutdownCount").toInt(), 1);
    }

    void startupLoadsEnabledAndRequiredPlugins()
    {
        PluginManager::setEnabledInSettings(QStringLiteral("TestOk"), true);
        m_pm->discover({kOkDir, kFailsDir});
        QString error;
        QVERIFY2(m_pm->loadStartupPlugins({}, &error), qPrintable(error));
        QCOMPARE(m_pm->loadOrder(), QStringList{QStringLiteral("TestOk")});
        m_pm->shutdownAll();

        PluginManager::setEnabledInSettings(QStringLiteral("TestOk"), false);
        QVERIFY(m_pm->loadStartupPlugins({QStringLiteral("TestOk")}, &error));
        QCOMPARE(m_pm->loadOrder(), QStringList{QStringLiteral("TestOk")});
        QCOMPARE(settings().value(QStringLiteral("plugins/TestOk/enabled")).toBool(), false);
    }

    void startupFailsForMissingIncompatibleOrFailingRequiredPlugins()
    {
        m_pm->discover({kOkDir, kFailsDir, kBadInterfaceDir});
        QString error;
        QVERIFY(!m_pm->loadStartupPlugins({QStringLiteral("Nope")}, &error));
        QVERIFY2(error.contains(QStringLiteral("\"Nope\" was not found")), qPrintable(error));
        QVERIFY(!m_pm->loadStartupPlugins({QStringLiteral("BadInterface")}, &error));
        QVERIFY2(error.contains(QStringLiteral("is not supported")), qPrintable(error));
        QVERIFY(m_pm->loadOrder().isEmpty()); // checked before anything loads
        QVERIFY(!m_pm->loadStartupPlugins({QStringLiteral("TestFails")}, &error));
        QVERIFY2(error.contains(QStringLiteral("TestFails refuses to start")), qPrintable(error));
    }

    void failingPluginIsMarkedFailed()
    {
        m_pm->discover({kFailsDir});
        const int menusBefore = int(m_window->menuBar()->actions().size());
        QString error;
        QVERIFY(!m_pm->setPluginEnabled(QStringLiteral("TestFails"), true, &error));
        QCOMPARE(error, QStringLiteral("TestFails refuses to start: this plugin always fails."));
        const PluginSpec spec = m_pm->plugin(QStringLiteral("TestFails"));
        QCOMPARE(spec.state, PluginSpec::State::Failed);
        QCOMPARE(spec.errorString, error);
        QCOMPARE(m_window->property("testplugin_fails.initializeCount").toInt(), 1);
        QVERIFY(m_pm->loadOrder().isEmpty());
        QCOMPARE(int(m_window->menuBar()->actions().size()), menusBefore);
        m_pm->shutdownAll(); // must not call its shutdown() (it would qFatal)
    }

    void duplicateNameFirstWins()
    {
        QTemporaryDir dup;
        QVERIFY(QFile::copy(kOkFile, dup.filePath(QStringLiteral("libtestplugin_ok_copy.so"))));
        m_pm->discover({kOkDir, dup.path()});
        QCOMPARE(m_pm->plugins().size(), 2);
        QCOMPARE(m_pm->plugins().at(0).state, PluginSpec::State::Disabled);
        const PluginSpec second = m_pm->plugins().at(1);
        QCOMPARE(second.state, PluginSpec::State::Incompatible);
        QVERIFY2(second.errorString.startsWith(QStringLiteral("Duplicate")), qPrintable(second.errorString));
        QVERIFY(second.errorString.contains(QFileInfo(kOkFile).canonicalFilePath()));
        QVERIFY(m_pm->enablePlugin(QStringLiteral("TestOk"), false, nullptr));
        QVERIFY(!isMapped(second.filePath));
    }

    void nonPluginFilesAreListedOrIgnored()
    {
        QTemporaryDir dir;
        QFile junk(dir.filePath(QStringLiteral("libjunk.so")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("this is not a shared library\n");
        junk.close();
        QFile readme(dir.filePath(QStringLiteral("README.txt")));
        QVERIFY(readme.open(QIODevice::WriteOnly));
        readme.close();
        m_pm->discover({dir.path()});
        QCOMPARE(m_pm->plugins().size(), 1);
        QCOMPARE(m_pm->plugins().first().state, PluginSpec::State::Incompatible);
        QVERIFY(m_pm->plugins().first().errorString.startsWith(QStringLiteral("Not an Optiverse plugin")));
    }

    void closingTheWindowShutsPluginsDown()
    {
        m_pm->discover({kOkDir});
        QVERIFY(m_pm->enablePlugin(QStringLiteral("TestOk"), false, nullptr));
        m_window->close();
        QCOMPARE(m_window->property("testplugin_ok.shutdownCount").toInt(), 1);
        QVERIFY(m_pm->loadOrder().isEmpty());
        QVERIFY(!m_window->statusBar()->findChild<QLabel *>(QStringLiteral("testplugin_ok_status")));
    }

    void dialogListsAndToggles()
    {
        m_pm->discover({kOkDir, kFailsDir, kWrongIidDir, kBadInterfaceDir});
        PluginManagerDialog dialog(m_pm, m_window);
        dialog.setShowErrors(false);
        QTableWidget *table = dialog.table();
        QCOMPARE(table->rowCount(), 4);

        const int bad = rowOf(table, QStringLiteral("BadInterface"));
        QVERIFY(bad >= 0);
        for (int col = 0; col < PluginManagerDialog::ColumnCount; ++col)
            QVERIFY(!(table->item(bad, col)->flags() & Qt::ItemIsEnabled)); // greyed out
        QVERIFY(!(table->item(bad, PluginManagerDialog::EnabledColumn)->flags() & Qt::ItemIsUserCheckable));
        QVERIFY(table->item(bad, PluginManagerDialog::NameColumn)->toolTip().contains(QStringLiteral("is not supported")));
        QVERIFY(table->item(bad, PluginManagerDialog::StatusColumn)->text().contains(QStringLiteral("is not supported")));

        int ok = rowOf(table, QStringLiteral("TestOk"));
        QCOMPARE(table->item(ok, PluginManagerDialog::VersionColumn)->text(), QStringLiteral("1.2.3"));
        QCOMPARE(table->item(ok, PluginManagerDialog::VendorColumn)->text(), QStringLiteral("Optiverse Tests"));
        dialog.setRowChecked(ok, true);
        QCOMPARE(m_pm->plugin(QStringLiteral("TestOk")).state, PluginSpec::State::Enabled);
        QVERIFY(settings().value(QStringLiteral("plugins/TestOk/enabled")).toBool());
        QTRY_COMPARE(table->item(rowOf(table, QStringLiteral("TestOk")), PluginManagerDialog::StatusColumn)->text(),
                     QStringLiteral("Enabled"));
        ok = rowOf(table, QStringLiteral("TestOk"));
        dialog.setRowChecked(ok, false);
        QCOMPARE(m_pm->plugin(QStringLiteral("TestOk")).state, PluginSpec::State::Disabled);

        const int fails = rowOf(table, QStringLiteral("TestFails"));
        dialog.setRowChecked(fails, true);
        QCOMPARE(dialog.lastError(), QStringLiteral("TestFails refuses to start: this plugin always fails."));
        QTRY_COMPARE(table->item(rowOf(table, QStringLiteral("TestFails")), PluginManagerDialog::EnabledColumn)->checkState(),
                     Qt::Unchecked);
        QVERIFY(table->item(rowOf(table, QStringLiteral("TestFails")), PluginManagerDialog::StatusColumn)
                    ->text().startsWith(QStringLiteral("Failed: TestFails refuses")));
    }

private:
    QTemporaryDir m_config;
    HostMainWindow *m_window = nullptr;
    PluginManager *m_pm = nullptr;
};

QTEST_MAIN(TestPluginManager)
#include "tst_hoststub_plugins.moc"
