// SPDX-License-Identifier: MIT
#pragma once

#include "PluginSpec.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QPluginLoader;

namespace Optiverse {
class IHost;
class IPlugin;
} // namespace Optiverse

/**
 * Finds, vets, loads and unloads Optiverse plugins.
 *
 * Compatibility is decided from QPluginLoader::metaData() alone, so the code
 * of an incompatible or foreign library is never mapped into the process.
 * Plugins are shut down in reverse load order, because a later plugin may
 * rely on what an earlier one added.
 */
class PluginManager : public QObject
{
    Q_OBJECT
public:
    /// @p host may be null for discovery only (e.g. --help).
    explicit PluginManager(Optiverse::IHost *host, QObject *parent = nullptr);
    ~PluginManager() override;

    /// The directories searched, in order: <app dir>/plugins, each entry of
    /// $OPTIVERSE_PLUGIN_PATH (colon-separated), then @p extraDirs.
    static QStringList searchPaths(const QStringList &extraDirs);

    /// Command-line arguments the host did not recognise, given to initialize().
    void setPluginArguments(const QStringList &arguments) { m_arguments = arguments; }
    QStringList pluginArguments() const { return m_arguments; }

    /// Scans @p dirs (in order) and lists every library found. The first
    /// plugin with a given name wins. Plugins already enabled are kept.
    void discover(const QStringList &dirs);
    QStringList searchedDirectories() const { return m_dirs; }

    QList<PluginSpec> plugins() const;
    /// The compatible spec named @p name, else the first spec of that name, else invalid.
    PluginSpec plugin(const QString &name) const;
    /// Names of enabled plugins, in load order.
    QStringList loadOrder() const { return m_loadOrder; }
    Optiverse::IPlugin *instance(const QString &name) const;

    /// Loads and initializes @p name. @p persist: remember it in QSettings.
    bool enablePlugin(const QString &name, bool persist, QString *errorString);
    /// Shuts @p name down and unloads it. @p persist: remember it in QSettings.
    bool disablePlugin(const QString &name, bool persist);
    /// The user's toggle (plugin dialog): always persisted.
    bool setPluginEnabled(const QString &name, bool enabled, QString *errorString);
    /// Asked before the user disables an enabled plugin (not at shutdownAll());
    /// false keeps it enabled.
    void setDisableGuard(std::function<bool(Optiverse::IPlugin *)> guard) { m_disableGuard = std::move(guard); }
    /// True when the guard (if any) lets the user disable @p name now.
    bool mayDisable(const QString &name) const;

    /// Loads plugins enabled in the settings plus @p requiredNames (this run
    /// only). Fails, with a reason, only if a required one is missing or fails.
    bool loadStartupPlugins(const QStringList &requiredNames, QString *errorString);
    /// Shuts every enabled plugin down, in reverse load order (not persisted).
    void shutdownAll();

    static bool isEnabledInSettings(const QString &name);
    static void setEnabledInSettings(const QString &name, bool enabled);

signals:
    void pluginsChanged();                  ///< the list was (re)discovered
    void pluginStateChanged(const QString &name);
    void pluginUnloaded(const QString &name); ///< after unload: host cleans up overlays

private:
    struct Entry
    {
        PluginSpec spec;
        std::unique_ptr<QPluginLoader> loader; // only for compatible specs
        Optiverse::IPlugin *plugin = nullptr;
    };
    Entry *find(const QString &name);
    const Entry *find(const QString &name) const;
    bool markFailed(Entry &entry, const QString &reason, QString *errorString);
    static void flushDeferredDeletes();

    Optiverse::IHost *m_host;
    QStringList m_arguments;
    QStringList m_dirs;
    std::vector<Entry> m_entries;
    QStringList m_loadOrder;
    std::function<bool(Optiverse::IPlugin *)> m_disableGuard;
};
