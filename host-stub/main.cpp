// SPDX-License-Identifier: MIT
// optiverse-host-stub: wires options, window, plugins, script and dump together.
// Exit codes: 0 ok, 1 usage error, 2 script error, 3 plugin error, 4 dump write failure.

#include "HostMainWindow.h"
#include "HostOptions.h"
#include "HostScene.h"
#include "PluginManager.h"
#include "ScriptRunner.h"

#include <QApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTextStream>
#include <QTimer>

namespace {
enum ExitCode { ExitOk = 0, ExitUsage = 1, ExitScript = 2, ExitPlugin = 3, ExitDump = 4 };

void printErr(const QString &text)
{
    QTextStream(stderr) << text << Qt::endl;
}

bool writeJson(const QJsonObject &json, const QString &path, QString *error)
{
    QSaveFile file(path); // never leaves a half-written dump behind
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(json).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}
// What each plugin status widget tells a screen reader: its accessible name
// (the text) and description (the tooltip); and the window title.
QJsonObject statusJson(const HostMainWindow &window)
{
    QJsonArray widgets;
    for (QWidget *w : window.statusWidgets())
        widgets.append(QJsonObject{{QStringLiteral("text"), w->accessibleName()},
                                   {QStringLiteral("tooltip"), w->accessibleDescription()}});
    return QJsonObject{{QStringLiteral("status"), widgets}, {QStringLiteral("title"), window.windowTitle()}};
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    // These names select the QSettings file ($XDG_CONFIG_HOME/Optiverse/HostStub.conf).
    QApplication::setOrganizationName(QStringLiteral("Optiverse"));
    QApplication::setApplicationName(QStringLiteral("HostStub"));
    QApplication::setApplicationVersion(QStringLiteral(OPTIVERSE_HOSTSTUB_VERSION));

    HostOptions options;
    switch (options.parse(QApplication::arguments())) {
    case HostOptions::Status::Error:
        printErr(options.errorString() + QStringLiteral("\nTry --help."));
        return ExitUsage;
    case HostOptions::Status::Version:
        QTextStream(stdout) << QApplication::applicationName() << ' '
                            << QApplication::applicationVersion() << Qt::endl;
        return ExitOk;
    case HostOptions::Status::Help: {
        // Plugin options come from metadata: listing them loads no plugin code.
        PluginManager scanner(nullptr);
        scanner.discover(PluginManager::searchPaths(options.pluginDirs));
        QStringList pluginHelp;
        for (const PluginSpec &spec : scanner.plugins()) {
            if (spec.isCompatible())
                pluginHelp << spec.argumentHelp;
        }
        QTextStream(stdout) << options.helpText(pluginHelp);
        return ExitOk;
    }
    case HostOptions::Status::Ok:
        break;
    }

    HostMainWindow window;
    HostScene *scene = window.hostScene();

    // Validate the whole script before anything happens.
    ScriptRunner script(scene);
    if (!options.scriptFile.isEmpty()) {
        QString error;
        if (!script.load(options.scriptFile, &error)) {
            printErr(error);
            return ExitScript;
        }
        QObject::connect(&script, &ScriptRunner::message, &printErr);
    }

    PluginManager *plugins = window.pluginManager();
    plugins->setPluginArguments(options.pluginArguments);
    plugins->discover(PluginManager::searchPaths(options.pluginDirs));
    window.show();

    QString pluginError;
    if (!plugins->loadStartupPlugins(options.enabledPlugins, &pluginError)) {
        printErr(pluginError);
        plugins->shutdownAll();
        return ExitPlugin;
    }

    if (options.quitAfterMs >= 0)
        QTimer::singleShot(options.quitAfterMs, &app, [&window] {
            window.setLeaveConfirmation(nullptr); // quitting as asked: nobody to ask
            QCoreApplication::quit();
        });
    // The status as the plugins leave it, before they go: quit() closes the
    // window (which shuts them down) before exec() returns.
    bool statusWritten = false;
    int statusError = ExitOk;
    const auto dumpStatus = [&] {
        if (options.dumpStatusFile.isEmpty() || std::exchange(statusWritten, true))
            return;
        QString error;
        if (!writeJson(statusJson(window), options.dumpStatusFile, &error)) {
            printErr(QStringLiteral("Cannot write %1: %2").arg(options.dumpStatusFile, error));
            statusError = ExitDump;
        }
    };
    QObject::connect(&window, &HostMainWindow::aboutToShutDownPlugins, &app, dumpStatus);
    // Steps start once the event loop runs, i.e. after plugins are initialized.
    if (!options.scriptFile.isEmpty())
        QTimer::singleShot(0, &script, &ScriptRunner::start);

    const int rc = app.exec();

    dumpStatus(); // if the window was not closed
    if (statusError != ExitOk) {
        plugins->shutdownAll();
        return statusError;
    }
    // Plugins go first (they may still send), then the scene is dumped while alive.
    plugins->shutdownAll();
    if (!options.dumpSceneFile.isEmpty()) {
        QString error;
        if (!writeJson(scene->toJson(), options.dumpSceneFile, &error)) {
            printErr(QStringLiteral("Cannot write %1: %2").arg(options.dumpSceneFile, error));
            return ExitDump;
        }
    }
    return rc;
}
