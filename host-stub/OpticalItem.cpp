// SPDX-License-Identifier: MIT
#include "OpticalItem.h"

#include "HostScene.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QtMath>

namespace {
// Points to millimetres, scaled so text reads at roughly its nominal size on
// a 96 dpi screen at zoom 1 (1 scene unit = 1 mm).
constexpr double kPtToMmFont = 0.3528 * 0.75;

QColor colorForType(const QString &type)
{
    if (type == QLatin1String("lens"))
        return QColor(30, 110, 200);
    if (type == QLatin1String("mirror"))
        return QColor(60, 60, 70);
    if (type == QLatin1String("beamsplitter"))
        return QColor(0, 140, 140);
    if (type == QLatin1String("dichroic"))
        return QColor(170, 80, 170);
    if (type == QLatin1String("waveplate"))
        return QColor(200, 130, 0);
    if (type == QLatin1String("slm"))
        return QColor(90, 90, 160);
    if (type == QLatin1String("source"))
        return QColor(210, 30, 30);
    if (type == QLatin1String("ruler"))
        return QColor(100, 100, 100);
    if (type == QLatin1String("text"))
        return QColor(20, 20, 20);
    return QColor(120, 120, 120);
}
} // namespace

OpticalItem::OpticalItem(HostScene *owner, const Optiverse::SceneItem &item)
    : m_owner(owner), m_uuid(item.uuid), m_type(item.type)
{
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setItemData(item.data);
}

QString OpticalItem::xKey() { return QLatin1String(Optiverse::kXmm); }
QString OpticalItem::yKey() { return QLatin1String(Optiverse::kYmm); }
QString OpticalItem::angleKey() { return QLatin1String(Optiverse::kAngleDeg); }

bool OpticalItem::isPoseKey(const QString &key)
{
    return key == QLatin1String(Optiverse::kXmm) || key == QLatin1String(Optiverse::kYmm)
        || key == QLatin1String(Optiverse::kAngleDeg);
}

QStringList OpticalItem::knownTypes()
{
    return {QStringLiteral("source"), QStringLiteral("lens"),    QStringLiteral("mirror"),
            QStringLiteral("beamsplitter"), QStringLiteral("dichroic"),
            QStringLiteral("waveplate"), QStringLiteral("slm"), QStringLiteral("ruler"),
            QStringLiteral("text")};
}

QJsonObject OpticalItem::defaultData(const QString &type)
{
    QJsonObject d{{xKey(), 0.0}, {yKey(), 0.0}, {angleKey(), 0.0}};
    auto set = [&d](const char *key, const QJsonValue &v) { d.insert(QLatin1String(key), v); };
    if (type == QLatin1String("lens")) {
        set("focal_length_mm", 100.0);
        set("diameter_mm", 25.4);
    } else if (type == QLatin1String("mirror")) {
        set("diameter_mm", 25.4);
    } else if (type == QLatin1String("beamsplitter")) {
        set("ratio", 0.5);
        set("size_mm", 25.4);
    } else if (type == QLatin1String("dichroic")) {
        set("cutoff_nm", 550.0);
    } else if (type == QLatin1String("waveplate")) {
        set("retardance", QStringLiteral("lambda/2"));
        set("fast_axis_deg", 0.0);
    } else if (type == QLatin1String("slm")) {
        set("width_mm", 15.36);
        set("height_mm", 8.64);
    } else if (type == QLatin1String("source")) {
        set("wavelength_nm", 633.0);
        set("power_mw", 1.0);
        set("n_rays", 5);
    } else if (type == QLatin1String("ruler")) {
        set("length_mm", 100.0);
    } else if (type == QLatin1String("text")) {
        set("text", QStringLiteral("Label"));
        set("font_size_pt", 12.0);
    }
    return d;
}

OpticalItem::Pose OpticalItem::pose() const
{
    return {number(Optiverse::kXmm, 0.0), number(Optiverse::kYmm, 0.0),
            number(Optiverse::kAngleDeg, 0.0)};
}

double OpticalItem::number(const char *key, double fallback) const
{
    const QJsonValue v = m_data.value(QLatin1String(key));
    return v.isDouble() ? v.toDouble() : fallback;
}

void OpticalItem::setItemData(const QJsonObject &data)
{
    m_data = data;
    const Pose p = pose();
    m_applyingData = true;
    setPos(p.xMm, p.yMm);
    setRotation(p.angleDeg);
    // The original Optiverse's stacking order: higher z_value on top.
    setZValue(number("z_value", 0.0));
    m_applyingData = false;
    updateGeometry();
}

void OpticalItem::syncPoseFromPosition()
{
    m_data.insert(xKey(), pos().x());
    m_data.insert(yKey(), pos().y());
}

QVariant OpticalItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    // Only the mouse moves an item without going through setItemData().
    if (change == ItemPositionHasChanged && !m_applyingData && m_owner)
        m_owner->itemDraggedByUser(this);
    return QGraphicsItem::itemChange(change, value);
}

void OpticalItem::updateGeometry()
{
    prepareGeometryChange();
    m_outline = QPainterPath();
    m_text.clear();
    m_textRect = QRectF();
    m_filled = false;

    if (m_type == QLatin1String("lens")) {
        const double r = qMax(1.0, number("diameter_mm", 25.4)) / 2.0;
        const double bulge = qMax(1.5, r / 4.0);
        m_outline.moveTo(0, -r);
        m_outline.quadTo(bulge * 2, 0, 0, r);
        m_outline.quadTo(-bulge * 2, 0, 0, -r);
        m_outline.closeSubpath();
    } else if (m_type == QLatin1String("mirror")) {
        const double r = qMax(1.0, number("diameter_mm", 25.4)) / 2.0;
        m_outline.addRect(-1.0, -r, 2.0, 2 * r); // a thick line
        m_filled = true;
    } else if (m_type == QLatin1String("beamsplitter")) {
        const double s = qMax(1.0, number("size_mm", 25.4));
        m_outline.addRect(-s / 2, -s / 2, s, s);
        m_outline.moveTo(-s / 2, s / 2);
        m_outline.lineTo(s / 2, -s / 2);
    } else if (m_type == QLatin1String("dichroic")) {
        m_outline.addRect(-1.5, -12.7, 3.0, 25.4);
        m_outline.moveTo(-1.5, 12.7);
        m_outline.lineTo(1.5, -12.7);
    } else if (m_type == QLatin1String("waveplate")) {
        m_outline.addRect(-2.0, -12.7, 4.0, 25.4);
        const double a = qDegreesToRadians(number("fast_axis_deg", 0.0));
        m_outline.moveTo(-8 * std::sin(a), -8 * std::cos(a));
        m_outline.lineTo(8 * std::sin(a), 8 * std::cos(a));
    } else if (m_type == QLatin1String("slm")) {
        const double w = qMax(0.5, number("width_mm", 15.36));
        const double h = qMax(0.5, number("height_mm", 8.64));
        m_outline.addRect(-w / 2, -h / 2, w, h);
    } else if (m_type == QLatin1String("source")) {
        m_outline.addEllipse(QPointF(0, 0), 4.0, 4.0);
        m_outline.moveTo(4.0, 0);
        m_outline.lineTo(14.0, 0);
        m_outline.moveTo(11.0, -2.5);
        m_outline.lineTo(14.0, 0);
        m_outline.lineTo(11.0, 2.5);
    } else if (m_type == QLatin1String("ruler")) {
        const double len = number("length_mm", 100.0);
        m_outline.moveTo(0, 0);
        m_outline.lineTo(len, 0);
        const double dir = len < 0 ? -1.0 : 1.0;
        for (int mm = 0; mm <= int(std::abs(len)) && mm <= 100000; mm += 5) {
            const double tick = (mm % 10 == 0) ? 3.0 : 1.5;
            m_outline.moveTo(dir * mm, 0);
            m_outline.lineTo(dir * mm, -tick);
        }
    } else if (m_type == QLatin1String("text")) {
        m_text = m_data.value(QLatin1String("text")).toString(QStringLiteral("Label")); // the default, not stored
        m_font = QFont();
        m_font.setPointSizeF(qMax(0.5, number("font_size_pt", 12.0) * kPtToMmFont));
        const QFontMetricsF fm(m_font);
        const QRectF r = fm.boundingRect(m_text.isEmpty() ? QStringLiteral(" ") : m_text);
        m_textRect = QRectF(-r.width() / 2 - 0.5, -r.height() / 2, r.width() + 1.0, r.height());
    } else {
        // Unknown types are kept verbatim and shown as a labelled box.
        m_outline.addRect(-10, -10, 20, 20);
        m_text = m_type;
        m_font = QFont();
        m_font.setPointSizeF(3.0);
        m_textRect = QRectF(-10, -10, 20, 20);
    }
    m_bounds = m_outline.boundingRect().united(m_textRect).adjusted(-1, -1, 1, 1);
}

QRectF OpticalItem::boundingRect() const
{
    return m_bounds;
}

void OpticalItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
                        QWidget *widget)
{
    Q_UNUSED(widget)
    const QColor color = colorForType(m_type);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(color, 0)); // cosmetic: stays readable at any zoom
    painter->setBrush(m_filled ? QBrush(color) : QBrush(color.lighter(190)));
    if (!m_outline.isEmpty())
        painter->drawPath(m_outline);
    if (!m_text.isEmpty()) {
        painter->setFont(m_font);
        painter->drawText(m_textRect, Qt::AlignCenter, m_text);
    }
    if (option->state & QStyle::State_Selected) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(QColor(0, 120, 215), 0, Qt::DashLine));
        painter->drawRect(m_bounds);
    }
}
