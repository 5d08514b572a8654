// SPDX-License-Identifier: MIT
#include "HostOptions.h"

#include <QCommandLineParser>

namespace {
const QStringList &valueOptions()
{
    static const QStringList names{QStringLiteral("plugin-dir"), QStringLiteral("enable-plugin"),
                                   QStringLiteral("script"), QStringLiteral("dump-scene"), QStringLiteral("dump-status"),
                                   QStringLiteral("quit-after")};
    return names;
}

const QStringList &flagOptions()
{
    static const QStringList flags{QStringLiteral("-h"), QStringLiteral("--help"),
                                   QStringLiteral("-?"), QStringLiteral("--help-all"),
                                   QStringLiteral("-v"), QStringLiteral("--version")};
    return flags;
}
} // namespace

HostOptions::Status HostOptions::parse(const QStringList &arguments)
{
    *this = HostOptions();
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A minimal Optiverse-compatible host: an optical table, an undo stack and plugins."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption pluginDir(QStringLiteral("plugin-dir"),
        QStringLiteral("Also look for plugins in <dir> (repeatable)."), QStringLiteral("dir"));
    const QCommandLineOption enablePlugin(QStringLiteral("enable-plugin"),
        QStringLiteral("Enable plugin <name> for this run only (repeatable)."), QStringLiteral("name"));
    const QCommandLineOption script(QStringLiteral("script"),
        QStringLiteral("Run the JSON edit script <file> as local user edits."), QStringLiteral("file"));
    const QCommandLineOption dump(QStringLiteral("dump-scene"),
        QStringLiteral("At exit, write the scene as JSON to <file>."), QStringLiteral("file"));
    const QCommandLineOption dumpStatus(QStringLiteral("dump-status"),
        QStringLiteral("At exit, write what the plugins' status-bar widgets say (accessible name and "
                       "description) as JSON to <file>."), QStringLiteral("file"));
    const QCommandLineOption quitAfter(QStringLiteral("quit-after"),
        QStringLiteral("Quit <ms> milliseconds after startup."), QStringLiteral("ms"));
    parser.addOptions({pluginDir, enablePlugin, script, dump, dumpStatus, quitAfter});
    m_help = parser.helpText();

    // Split: the host's options (with their values) vs. everything else.
    QStringList hostArgs{arguments.value(0)};
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (flagOptions().contains(arg)) {
            hostArgs << arg;
            continue;
        }
        if (arg.startsWith(QLatin1String("--"))) {
            const qsizetype eq = arg.indexOf(QLatin1Char('='));
            const QString name = arg.mid(2, eq < 0 ? -1 : eq - 2);
            if (valueOptions().contains(name)) {
                hostArgs << arg;
                if (eq < 0) {
                    if (i + 1 >= arguments.size()) {
                        m_error = QStringLiteral("Missing value after %1.").arg(arg);
                        return Status::Error;
                    }
                    hostArgs << arguments.at(++i);
                }
                continue;
            }
        }
        pluginArguments << arg;
    }

    if (!parser.parse(hostArgs)) {
        m_error = parser.errorText();
        return Status::Error;
    }
    pluginDirs = parser.values(pluginDir); // --help lists the options of plugins found there
    if (parser.isSet(helpOption) || parser.isSet(QStringLiteral("help-all")))
        return Status::Help;
    if (parser.isSet(versionOption))
        return Status::Version;

    enabledPlugins = parser.values(enablePlugin);
    scriptFile = parser.value(script);
    dumpSceneFile = parser.value(dump);
    dumpStatusFile = parser.value(dumpStatus);
    if (parser.isSet(quitAfter)) {
        bool ok = false;
        const QString text = parser.value(quitAfter);
        quitAfterMs = text.toInt(&ok);
        if (!ok || quitAfterMs < 0) {
            m_error = QStringLiteral("--quit-after expects a number of milliseconds, not \"%1\".").arg(text);
            return Status::Error;
        }
    }
    if (parser.isSet(script) && scriptFile.isEmpty()) {
        m_error = QStringLiteral("--script needs a file name.");
        return Status::Error;
    }
    if (parser.isSet(dumpStatus) && dumpStatusFile.isEmpty()) {
        m_error = QStringLiteral("--dump-status needs a file name.");
        return Status::Error;
    }
    if (parser.isSet(dump) && dumpSceneFile.isEmpty()) {
        m_error = QStringLiteral("--dump-scene needs a file name.");
        return Status::Error;
    }
    return Status::Ok;
}

QString HostOptions::helpText(const QStringList &pluginHelp) const
{
    QString text = m_help;
    text += QStringLiteral("\nOptions the host does not recognise are passed on to every plugin.\n");
    if (!pluginHelp.isEmpty()) {
        text += QStringLiteral("\nPlugin options:\n");
        for (const QString &line : pluginHelp)
            text += QStringLiteral("  ") + line + QLatin1Char('\n');
    }
    return text;
}
