// SPDX-License-Identifier: MIT
#include "PluginSpec.h"

#include <optiverse/iplugin.h>

#include <QFileInfo>
#include <QJsonArray>

PluginSpec PluginSpec::fromMetaData(const QString &filePath, const QJsonObject &metaData)
{
    const QString supported = QStringLiteral(OPTIVERSE_IPLUGIN_IID);
    const QString pluginPrefix = QStringLiteral("org.optiverse.IPlugin/");

    PluginSpec spec;
    spec.filePath = filePath;
    const QJsonObject md = metaData.value(QLatin1String("MetaData")).toObject();
    spec.name = md.value(QLatin1String("Name")).toString();
    spec.version = md.value(QLatin1String("Version")).toString();
    spec.compatVersion = md.value(QLatin1String("CompatVersion")).toString();
    spec.vendor = md.value(QLatin1String("Vendor")).toString();
    spec.description = md.value(QLatin1String("Description")).toString();
    const QJsonArray args = md.value(QLatin1String("Arguments")).toArray();
    for (const QJsonValue &a : args) {
        const QJsonObject o = a.toObject();
        QString line = o.value(QLatin1String("Name")).toString();
        const QString param = o.value(QLatin1String("Parameter")).toString();
        if (!param.isEmpty())
            line += QLatin1Char(' ') + param;
        const QString help = o.value(QLatin1String("Description")).toString();
        if (!line.isEmpty())
            spec.argumentHelp.append(help.isEmpty() ? line : line.leftJustified(30) + QLatin1Char(' ') + help);
    }

    const QString iid = metaData.value(QLatin1String("IID")).toString();
    const QString iface = md.value(QLatin1String("Interface")).toString();
    spec.state = State::Incompatible;
    if (metaData.isEmpty() || iid.isEmpty()) {
        spec.errorString = QStringLiteral("Not an Optiverse plugin: the file has no Qt plugin metadata.");
    } else if (iid != supported) {
        // Another version of our interface deserves a clearer message than a
        // foreign plugin that merely sits in the same directory.
        spec.errorString = iid.startsWith(pluginPrefix)
            ? QStringLiteral("Interface \"%1\" is not supported; this host supports \"%2\".").arg(iid, supported)
            : QStringLiteral("Not an Optiverse plugin: its IID is \"%1\", this host supports \"%2\".").arg(iid, supported);
    } else if (iface != supported) {
        spec.errorString = iface.isEmpty()
            ? QStringLiteral("The plugin metadata has no \"Interface\"; this host supports \"%1\".").arg(supported)
            : QStringLiteral("Interface \"%1\" is not supported; this host supports \"%2\".").arg(iface, supported);
    } else if (spec.name.trimmed().isEmpty()) {
        spec.errorString = QStringLiteral("The plugin metadata has no \"Name\".");
    } else {
        spec.state = State::Disabled;
    }
    if (spec.name.isEmpty())
        spec.name = QFileInfo(filePath).fileName(); // something to show in the list
    return spec;
}

QString PluginSpec::stateName(State state)
{
    switch (state) {
    case State::Incompatible: return QStringLiteral("Incompatible");
    case State::Disabled: return QStringLiteral("Disabled");
    case State::Enabled: return QStringLiteral("Enabled");
    case State::Failed: return QStringLiteral("Failed");
    }
    return {};
}
