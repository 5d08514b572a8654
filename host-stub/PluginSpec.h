// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

/**
 * What the host knows about one plugin file, read from its metadata without
 * loading its code. A plain value: the PluginManager hands out copies.
 */
class PluginSpec
{
public:
    enum class State {
        Incompatible, ///< wrong IID/interface, no name, duplicate or not a plugin: never loaded
        Disabled,     ///< compatible, not loaded
        Enabled,      ///< loaded and initialized
        Failed,       ///< loading or initialize() failed; errorString says why
    };

    /// Builds a spec from QPluginLoader::metaData() and decides compatibility.
    static PluginSpec fromMetaData(const QString &filePath, const QJsonObject &metaData);

    bool isValid() const { return !filePath.isEmpty(); }
    bool isCompatible() const { return state != State::Incompatible; }
    static QString stateName(State state);

    QString name;
    QString version;
    QString compatVersion;
    QString vendor;
    QString description;
    QString filePath;
    State state = State::Incompatible;
    QString errorString;
    /// The plugin's command-line options from its "Arguments" metadata, one
    /// formatted help line each (shown by --help without loading the plugin).
    QStringList argumentHelp;
};
