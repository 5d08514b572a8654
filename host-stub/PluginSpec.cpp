// SPDX-License-Identifier: MIT
#include "PluginSpec.h"

#include <optiverse/pluginmetadata.h>

#include <QFileInfo>
#include <QJsonArray>

PluginSpec PluginSpec::fromMetaData(const QString &filePath, const QJsonObject &metaData)
{
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

    // The contract's own check (IID, Interface, ContractVersion, Name): same
    // major accepted, any minor.
    spec.errorString = Optiverse::pluginMetaDataProblem(metaData);
    spec.state = spec.errorString.isEmpty() ? State::Disabled : State::Incompatible;
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
