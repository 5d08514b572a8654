// SPDX-License-Identifier: MIT
#pragma once

#include <QtPlugin>
#include <QString>
#include <QStringList>

/// The plugin interface's IID. The same string must be the plugin's
/// Q_PLUGIN_METADATA IID and the "Interface" value of its metadata.json.
/// It names IPlugin's vtable, which never changes, so the string never
/// changes either: qobject_cast<IPlugin *> compares it, and a host with any
/// other string could not cast any existing plugin. The contract's version
/// travels in the metadata key "ContractVersion" (see pluginmetadata.h).
/// @since 1.0
#define OPTIVERSE_IPLUGIN_IID "org.optiverse.IPlugin/1.0"

namespace Optiverse {

class IHost;

/**
 * The interface every Optiverse plugin's root object implements.
 *
 * Lifecycle (driven by the host, GUI thread):
 * 1. The host reads the plugin's metadata with QPluginLoader::metaData()
 *    *without loading its code*, and refuses it unless
 *    Optiverse::pluginMetaDataProblem() accepts it (same IID, same major
 *    contract version; see interfaces/README.md).
 * 2. When the user enables it, the host loads it, qobject_cast<IPlugin *>s
 *    QPluginLoader::instance() and calls initialize().
 * 3. When the user disables it or the host quits, the host calls shutdown()
 *    once, delivers pending deferred deletes
 *    (QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete):
 *    a deleteLater() of the plugin's objects runs code of the library), then
 *    unloads the library (which deletes the root object).
 *
 * The root object is owned by QPluginLoader.
 *
 * @since 1.0
 */
class IPlugin
{
public:
    virtual ~IPlugin() = default;

    /**
     * Sets the plugin up in @p host: adds its menus and widgets, observes the
     * scene. @p arguments are the command-line arguments the host did not
     * recognise, for the plugin to take its own options from (unknown ones are
     * to be ignored: other plugins may own them).
     *
     * On failure returns false and sets @p errorString (never null) to a
     * sentence for the user; the plugin must then have left nothing behind in
     * the host, and the host will unload it without calling shutdown().
     */
    virtual bool initialize(IHost *host, const QStringList &arguments, QString *errorString) = 0;

    /**
     * Removes everything initialize() added, in reverse order, and closes
     * network connections. Called once, only after a successful initialize(),
     * before the library is unloaded; the IHost is still valid during the call.
     */
    virtual void shutdown() = 0;

    /// Optional: help text for the plugin's command-line options, one option
    /// per line, for the host's --help.
    virtual QString commandLineHelp() const { return {}; }
};

} // namespace Optiverse

Q_DECLARE_INTERFACE(Optiverse::IPlugin, OPTIVERSE_IPLUGIN_IID)
