// SPDX-License-Identifier: MIT
#include "PluginManager.h"

#include <optiverse/ihost.h>
#include <optiverse/iplugin.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <QLoggingCategory>
#include <QPluginLoader>
#include <QSet>
#include <QSettings>

namespace {
Q_LOGGING_CATEGORY(lcPlugins, "optiverse.host.plugins", QtWarningMsg)

QString settingsKey(const QString &name)
{
    return QStringLiteral("plugins/%1/enabled").arg(name);
}

QSettings hostSettings()
{
    // Explicit names (not QCoreApplication's) so tests get the same file;
    // XDG_CONFIG_HOME decides where it lives.
    return QSettings(QStringLiteral("Optiverse"), QStringLiteral("HostStub"));
}
} // namespace

PluginManager::PluginManager(Optiverse::IHost *host, QObject *parent)
    : QObject(parent), m_host(host)
{
}

PluginManager::~PluginManager()
{
    shutdownAll();
}

QStringList PluginManager::searchPaths(const QStringList &extraDirs)
{
    QStringList dirs;
    if (QCoreApplication::instance())
        dirs << QCoreApplication::applicationDirPath() + QStringLiteral("/plugins");
    const QString env = qEnvironmentVariable("OPTIVERSE_PLUGIN_PATH");
    dirs << env.split(QLatin1Char(':'), Qt::SkipEmptyParts);
    dirs << extraDirs;
    return dirs;
}

bool PluginManager::isEnabledInSettings(const QString &name)
{
    return hostSettings().value(settingsKey(name), false).toBool();
}

void PluginManager::setEnabledInSettings(const QString &name, bool enabled)
{
    QSettings settings = hostSettings();
    settings.setValue(settingsKey(name), enabled);
    settings.sync();
}

void PluginManager::discover(const QStringList &dirs)
{
    // Enabled plugins stay as they are; everything else is scanned afresh.
    std::vector<Entry> kept;
    for (Entry &e : m_entries) {
        if (e.spec.state == PluginSpec::State::Enabled)
            kept.push_back(std::move(e));
    }
    m_entries = std::move(kept);
    m_dirs = dirs;

    QSet<QString> seenDirs, seenFiles;
    for (const QString &dirPath : dirs) {
        const QFileInfo dirInfo(dirPath);
        const QString canonicalDir = dirInfo.canonicalFilePath();
        if (!dirInfo.isDir() || seenDirs.contains(canonicalDir)) {
            qCDebug(lcPlugins) << "skipping plugin directory" << dirPath;
            continue;
        }
        seenDirs.insert(canonicalDir);
        const QFileInfoList files = QDir(dirPath).entryInfoList(QDir::Files, QDir::Name);
        for (const QFileInfo &file : files) {
            const QString path = file.canonicalFilePath();
            if (!QLibrary::isLibrary(path) || seenFiles.contains(path))
                continue;
            seenFiles.insert(path);
            bool alreadyEnabled = false;
            for (const Entry &e : m_entries)
                alreadyEnabled = alreadyEnabled || QFileInfo(e.spec.filePath).canonicalFilePath() == path;
            if (alreadyEnabled)
                continue;

            // metaData() reads the library's metadata section without loading it.
            auto loader = std::make_unique<QPluginLoader>(path);
            Entry entry;
            entry.spec = PluginSpec::fromMetaData(path, loader->metaData());
            if (entry.spec.isCompatible()) {
                if (const Entry *first = find(entry.spec.name)) {
                    entry.spec.state = PluginSpec::State::Incompatible;
                    entry.spec.errorString = QStringLiteral(
                        "Duplicate: a plugin named \"%1\" was already found at %2.")
                        .arg(entry.spec.name, first->spec.filePath);
                } else {
                    entry.loader = std::move(loader);
                }
            }
            if (entry.spec.isCompatible())
                qCInfo(lcPlugins) << "found plugin" << entry.spec.name << entry.spec.version << "at" << path;
            else
                qCInfo(lcPlugins) << "ignoring" << path << ":" << entry.spec.errorString;
            m_entries.push_back(std::move(entry));
        }
    }
    emit pluginsChanged();
}

QList<PluginSpec> PluginManager::plugins() const
{
    QList<PluginSpec> specs;
    for (const Entry &e : m_entries)
        specs.append(e.spec);
    return specs;
}

PluginManager::Entry *PluginManager::find(const QString &name)
{
    for (Entry &e : m_entries) {
        if (e.spec.isCompatible() && e.spec.name == name)
            return &e;
    }
    return nullptr;
}

const PluginManager::Entry *PluginManager::find(const QString &name) const
{
    return const_cast<PluginManager *>(this)->find(name);
}

PluginSpec PluginManager::plugin(const QString &name) const
{
    if (const Entry *e = find(name))
        return e->spec;
    for (const Entry &e : m_entries) {
        if (e.spec.name == name)
            return e.spec;
    }
    return {};
}

Optiverse::IPlugin *PluginManager::instance(const QString &name) const
{
    const Entry *e = find(name);
    return e ? e->plugin : nullptr;
}

void PluginManager::flushDeferredDeletes()
{
    // Objects a plugin deleteLater()'d must go while their code is still mapped.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

bool PluginManager::markFailed(Entry &entry, const QString &reason, QString *errorString)
{
    entry.plugin = nullptr;
    if (entry.loader->isLoaded()) {
        flushDeferredDeletes();
        entry.loader->unload();
    }
    entry.spec.state = PluginSpec::State::Failed;
    entry.spec.errorString = reason;
    if (errorString)
        *errorString = reason;
    qCWarning(lcPlugins).noquote() << "plugin" << entry.spec.name << "failed:" << reason;
    emit pluginStateChanged(entry.spec.name);
    return false;
}

bool PluginManager::enablePlugin(const QString &name, bool persist, QString *errorString)
{
    Entry *entry = find(name);
    if (!entry) {
        const PluginSpec other = plugin(name);
        const QString reason = other.isValid()
            ? QStringLiteral("Plugin \"%1\" cannot be loaded: %2").arg(name, other.errorString)
            : QStringLiteral("No plugin named \"%1\" was found (searched: %2).")
                  .arg(name, m_dirs.join(QStringLiteral(", ")));
        if (errorString)
            *errorString = reason;
        return false;
    }
    if (entry->spec.state == PluginSpec::State::Enabled) {
        if (persist)
            setEnabledInSettings(name, true);
        return true;
    }
    if (!m_host) {
        if (errorString)
            *errorString = QStringLiteral("No host to load plugins into.");
        return false;
    }

    if (!entry->loader->load())
        return markFailed(*entry, QStringLiteral("Cannot load %1: %2")
                                      .arg(entry->spec.filePath, entry->loader->errorString()),
                          errorString);
    auto *plugin = qobject_cast<Optiverse::IPlugin *>(entry->loader->instance());
    if (!plugin)
        return markFailed(*entry, QStringLiteral("%1 does not implement %2.")
                                      .arg(entry->spec.filePath, QStringLiteral(OPTIVERSE_IPLUGIN_IID)),
                          errorString);

    QString initError;
    if (!plugin->initialize(m_host, m_arguments, &initError)) {
        if (initError.isEmpty())
            initError = QStringLiteral("The plugin \"%1\" failed to initialize.").arg(name);
        return markFailed(*entry, initError, errorString);
    }
    entry->plugin = plugin;
    entry->spec.state = PluginSpec::State::Enabled;
    entry->spec.errorString.clear();
    m_loadOrder.append(name);
    if (persist)
        setEnabledInSettings(name, true);
    qCInfo(lcPlugins) << "enabled plugin" << name;
    emit pluginStateChanged(name);
    return true;
}

bool PluginManager::disablePlugin(const QString &name, bool persist)
{
    Entry *entry = find(name);
    if (!entry)
        return false;
    if (persist)
        setEnabledInSettings(name, false);
    if (entry->spec.state != PluginSpec::State::Enabled) {
        if (entry->spec.state == PluginSpec::State::Failed) {
            entry->spec.state = PluginSpec::State::Disabled;
            emit pluginStateChanged(name);
        }
        return true;
    }
    entry->plugin->shutdown();
    entry->plugin = nullptr;
    m_loadOrder.removeAll(name);
    flushDeferredDeletes();
    if (!entry->loader->unload())
        qCWarning(lcPlugins) << "could not unload" << entry->spec.filePath << entry->loader->errorString();
    entry->spec.state = PluginSpec::State::Disabled;
    qCInfo(lcPlugins) << "disabled plugin" << name;
    emit pluginUnloaded(name);
    emit pluginStateChanged(name);
    return true;
}

bool PluginManager::mayDisable(const QString &name) const
{
    Optiverse::IPlugin *plugin = instance(name);
    return !plugin || !m_disableGuard || m_disableGuard(plugin);
}

bool PluginManager::setPluginEnabled(const QString &name, bool enabled, QString *errorString)
{
    return enabled ? enablePlugin(name, true, errorString) : disablePlugin(name, true);
}

bool PluginManager::loadStartupPlugins(const QStringList &requiredNames, QString *errorString)
{
    // Check the required ones first: a typo should fail before anything loads.
    for (const QString &name : requiredNames) {
        if (find(name))
            continue;
        const PluginSpec other = plugin(name);
        const QString reason = other.isValid()
            ? QStringLiteral("Plugin \"%1\" (%2) cannot be loaded: %3")
                  .arg(name, other.filePath, other.errorString)
            : QStringLiteral("Plugin \"%1\" was not found (searched: %2).")
                  .arg(name, m_dirs.isEmpty() ? QStringLiteral("no directories")
                                              : m_dirs.join(QStringLiteral(", ")));
        if (errorString)
            *errorString = reason;
        return false;
    }
    const QStringList names = [this] {
        QStringList n;
        for (const Entry &e : m_entries) {
            if (e.spec.isCompatible())
                n.append(e.spec.name);
        }
        return n;
    }();
    for (const QString &name : names) {
        const bool required = requiredNames.contains(name);
        if (!required && !isEnabledInSettings(name))
            continue;
        QString error;
        if (enablePlugin(name, false, &error))
            continue;
        if (required) {
            if (errorString)
                *errorString = QStringLiteral("Plugin \"%1\" failed to initialize: %2").arg(name, error);
            return false;
        }
        // A plugin enabled in an earlier session that now fails is not fatal.
    }
    return true;
}

void PluginManager::shutdownAll()
{
    const QStringList order = m_loadOrder;
    for (auto it = order.crbegin(); it != order.crend(); ++it)
        disablePlugin(*it, false);
}
