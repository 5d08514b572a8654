// SPDX-License-Identifier: MIT
#pragma once

#include "iplugin.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QString>

/// The contract version these headers describe. The major version changes only
/// when an existing interface changes (never planned); the minor version when
/// optional interfaces or documented rules are added. Neither is part of any
/// IID: OPTIVERSE_IPLUGIN_IID names IPlugin's vtable and stays ".../1.0".
/// @since 1.1
#define OPTIVERSE_CONTRACT_VERSION_MAJOR 1
#define OPTIVERSE_CONTRACT_VERSION_MINOR 3

namespace Optiverse {

/**
 * The keys of a plugin's metadata (the JSON file named in Q_PLUGIN_METADATA,
 * found under "MetaData" in QPluginLoader::metaData()). See
 * interfaces/README.md for what each means and which a host checks.
 * @since 1.1
 */
namespace MetaDataKey {
inline constexpr const char Name[] = "Name";                             ///< required, shown to users
inline constexpr const char Version[] = "Version";                       ///< the plugin's own version
inline constexpr const char CompatVersion[] = "CompatVersion";           ///< informational (Qt Creator style)
inline constexpr const char Vendor[] = "Vendor";
inline constexpr const char License[] = "License";
inline constexpr const char Description[] = "Description";
inline constexpr const char Interface[] = "Interface";                   ///< required, == OPTIVERSE_IPLUGIN_IID
inline constexpr const char ContractVersion[] = "ContractVersion";       ///< "MAJOR.MINOR"; absent: "1.0"
inline constexpr const char OptionalInterfaces[] = "OptionalInterfaces"; ///< IIDs the plugin uses if offered
inline constexpr const char Arguments[] = "Arguments";                   ///< command-line options, for --help
} // namespace MetaDataKey

/**
 * Decides from QPluginLoader::metaData() alone, before any plugin code runs,
 * whether a host built against these headers may load the plugin.
 *
 * Accepted when the top-level "IID" and "MetaData"."Interface" both equal
 * OPTIVERSE_IPLUGIN_IID, "Name" is not empty and "ContractVersion" (absent
 * means "1.0") has the host's major version. Any minor version is accepted,
 * older or newer: interfaces never change, and a plugin uses what a later
 * minor version added only after IHost::queryInterface() found it.
 *
 * Returns an empty string when the plugin is acceptable, otherwise a sentence
 * for the user saying why not.
 *
 * @since 1.1
 */
inline QString pluginMetaDataProblem(const QJsonObject &metaData)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("Optiverse::PluginMetaData", text); };
    const QString supported = QStringLiteral(OPTIVERSE_IPLUGIN_IID);
    const QString ownPrefix = QStringLiteral("org.optiverse.IPlugin/");
    const QJsonObject md = metaData.value(QLatin1String("MetaData")).toObject();
    const QString iid = metaData.value(QLatin1String("IID")).toString();
    const QString iface = md.value(QLatin1String(MetaDataKey::Interface)).toString();
    if (metaData.isEmpty() || iid.isEmpty())
        return tr("Not an Optiverse plugin: the file has no Qt plugin metadata.");
    if (iid != supported) {
        // Another version of our interface deserves a clearer message than a
        // foreign plugin that merely sits in the same directory.
        return iid.startsWith(ownPrefix)
            ? tr("Interface \"%1\" is not supported; this host supports \"%2\".").arg(iid, supported)
            : tr("Not an Optiverse plugin: its IID is \"%1\", this host supports \"%2\".").arg(iid, supported);
    }
    if (iface.isEmpty())
        return tr("The plugin metadata has no \"Interface\"; this host supports \"%1\".").arg(supported);
    if (iface != supported)
        return tr("Interface \"%1\" is not supported; this host supports \"%2\".").arg(iface, supported);
    const QJsonValue version = md.value(QLatin1String(MetaDataKey::ContractVersion));
    if (!version.isUndefined()) {
        const QString text = version.toString();
        const qsizetype dot = text.indexOf(QLatin1Char('.'));
        bool majorOk = false, minorOk = false;
        const int major = text.left(dot).toInt(&majorOk);
        const int minor = dot < 0 ? -1 : text.mid(dot + 1).toInt(&minorOk);
        if (!version.isString() || !majorOk || !minorOk || major < 0 || minor < 0)
            return tr("The plugin metadata's \"ContractVersion\" must be \"MAJOR.MINOR\", e.g. \"1.1\".");
        if (major != OPTIVERSE_CONTRACT_VERSION_MAJOR)
            return tr("The plugin needs contract %1; this host implements contract %2.%3.")
                .arg(text)
                .arg(OPTIVERSE_CONTRACT_VERSION_MAJOR)
                .arg(OPTIVERSE_CONTRACT_VERSION_MINOR);
    }
    if (md.value(QLatin1String(MetaDataKey::Name)).toString().trimmed().isEmpty())
        return tr("The plugin metadata has no \"Name\".");
    return {};
}

} // namespace Optiverse
