// SPDX-License-Identifier: MIT
#include "ItemNamer.h"


namespace Optiverse::Collab {

void ItemNamer::reset(const HistoryScene &base)
{
    m_ordinal.clear();
    m_lastOrdinal.clear();
    for (const StateItem &item : base) // QMap: by id
        assign(item.id, item.type);
}

void ItemNamer::note(const HistoryOperation &operation)
{
    for (const HistoryOperation::ItemChange &c : operation.changes)
        if (!c.existedBefore && c.existsAfter)
            assign(c.itemId, c.itemType);
}

int ItemNamer::assign(const QString &id, const QString &type) const
{
    const auto it = m_ordinal.constFind(id);
    if (it != m_ordinal.cend())
        return *it;
    const int n = ++m_lastOrdinal[type];
    m_ordinal.insert(id, n);
    return n;
}

QString ItemNamer::name(const QString &id, const QString &type, const QJsonObject &data) const
{
    for (const char *key : {"name", "label", "text"}) {
        const QString own = data.value(QLatin1String(key)).toString().simplified();
        if (!own.isEmpty())
            return own.left(40);
    }
    return QStringLiteral("%1 %2").arg(typeLabel(type)).arg(assign(id, type));
}

QString ItemNamer::typeLabel(const QString &type)
{
    QString t = type.simplified().replace(QLatin1Char('_'), QLatin1Char(' '));
    if (t.isEmpty())
        return QStringLiteral("Item");
    t[0] = t[0].toUpper();
    return t.left(30);
}

namespace {
QString unitOf(const QString &key)
{
    if (key.endsWith(QLatin1String("_mm")))
        return QStringLiteral(" mm");
    if (key.endsWith(QLatin1String("_deg")))
        return QStringLiteral("°");
    if (key.endsWith(QLatin1String("_nm")))
        return QStringLiteral(" nm");
    return {};
}
} // namespace

QString ItemNamer::keyLabel(const QString &key)
{
    QString k = key;
    for (const char *suffix : {"_mm", "_deg", "_nm"})
        if (k.endsWith(QLatin1String(suffix)) && k.size() > int(qstrlen(suffix)))
            k.chop(int(qstrlen(suffix)));
    return k.replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString ItemNamer::valueText(const QString &key, const QJsonValue &v)
{
    if (v.isDouble()) {
        const double d = v.toDouble();
        const QString unit = unitOf(key);
        return QString::number(d, 'g', 6) + (unit.isEmpty() ? QString() : unit);
    }
    if (v.isString())
        return QStringLiteral("“%1”").arg(v.toString().left(40));
    if (v.isBool())
        return v.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    if (v.isUndefined() || v.isNull())
        return QStringLiteral("—");
    return QStringLiteral("…");
}

} // namespace Optiverse::Collab
