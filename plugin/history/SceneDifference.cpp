// SPDX-License-Identifier: MIT
#include "SceneDifference.h"

#include "ItemNamer.h"

#include <QCoreApplication>

namespace Optiverse::Collab {

SceneDifference::SceneDifference(const HistoryScene &then, const HistoryScene &now) : m_then(then), m_now(now)
{
    for (const StateItem &item : then) {
        const auto it = now.constFind(item.id);
        if (it == now.cend())
            removed.append(item.id);
        else if (!(*it == item))
            changed.append(item.id);
    }
    for (const StateItem &item : now)
        if (!then.contains(item.id))
            added.append(item.id);
}

QStringList SceneDifference::describe(const ItemNamer &names, int maxLines) const
{
    auto tr = [](const char *text, int n = -1) { return QCoreApplication::translate("SceneDifference", text, nullptr, n); };
    QStringList lines;
    for (const QString &id : removed) {
        const StateItem &i = m_then[id];
        lines.append(tr("%1 removed since").arg(names.name(id, i.type, i.data)));
    }
    for (const QString &id : changed) {
        const StateItem &a = m_then[id];
        const StateItem &b = m_now[id];
        const QString name = names.name(id, b.type, b.data);
        if (a.type != b.type) {
            lines.append(tr("%1: was a %2").arg(name, ItemNamer::typeLabel(a.type)));
            continue;
        }
        QStringList keys = a.data.keys() + b.data.keys();
        keys.removeDuplicates();
        QStringList parts;
        for (const QString &k : std::as_const(keys))
            if (a.data.value(k) != b.data.value(k))
                parts.append(QStringLiteral("%1 %2 → %3").arg(ItemNamer::keyLabel(k), ItemNamer::valueText(k, a.data.value(k)),
                                                              ItemNamer::valueText(k, b.data.value(k))));
        lines.append(QStringLiteral("%1: %2").arg(name, parts.join(QLatin1String(", "))));
    }
    for (const QString &id : added) {
        const StateItem &i = m_now[id];
        lines.append(tr("%1 added since").arg(names.name(id, i.type, i.data)));
    }
    if (lines.size() > maxLines) {
        const int more = int(lines.size()) - maxLines;
        lines.erase(lines.begin() + maxLines, lines.end());
        lines.append(tr("…and %n more", more));
    }
    return lines;
}

} // namespace Optiverse::Collab
