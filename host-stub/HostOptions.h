// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

/**
 * The host's command line.
 *
 * Options the host does not know are not errors: they belong to plugins
 * (e.g. --collab-connect ws://x:1) and are collected verbatim, values
 * included, for IPlugin::initialize(). QCommandLineParser rejects unknown
 * options, so argv is split first and only the host's own tokens reach it.
 */
class HostOptions
{
public:
    enum class Status { Ok, Help, Version, Error };

    /// @p arguments: argv including the program name.
    Status parse(const QStringList &arguments);

    QString errorString() const { return m_error; }
    /// Usage text; @p pluginHelp lines (the plugins' own options) are appended.
    QString helpText(const QStringList &pluginHelp = {}) const;

    QStringList pluginDirs;     ///< --plugin-dir, in order
    QStringList enabledPlugins; ///< --enable-plugin, this run only
    QStringList pluginArguments;///< everything the host did not recognise
    QString scriptFile;         ///< --script
    QString dumpSceneFile;      ///< --dump-scene
    QString dumpStatusFile;     ///< --dump-status
    int quitAfterMs = -1;       ///< --quit-after, -1 = never

private:
    QString m_error;
    QString m_help;
};
