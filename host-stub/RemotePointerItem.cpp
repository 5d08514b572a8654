// SPDX-License-Identifier: MIT
#include "RemotePointerItem.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPolygonF>

namespace {
const QPolygonF &arrow()
{
    static const QPolygonF shape{{0, 0}, {0, 14}, {4, 10}, {7, 16}, {9, 15}, {6, 9}, {11, 9}};
    return shape;
}
} // namespace

RemotePointerItem::RemotePointerItem(const QString &name, const QColor &color)
{
    setFlag(ItemIgnoresTransformations); // constant on-screen size
    setAcceptedMouseButtons(Qt::NoButton); // never in the user's way
    setZValue(1e6);
    setAppearance(name, color);
}

void RemotePointerItem::setAppearance(const QString &name, const QColor &color)
{
    m_name = name;
    m_color = color;
    updateGeometry();
    update();
}

void RemotePointerItem::updateGeometry()
{
    prepareGeometryChange();
    const QFontMetricsF fm{QFont()};
    const QRectF text = fm.boundingRect(m_name.isEmpty() ? QStringLiteral("?") : m_name);
    m_labelRect = QRectF(12, 14, text.width() + 8, text.height() + 4);
    m_bounds = arrow().boundingRect().united(m_labelRect).adjusted(-1, -1, 1, 1);
}

QRectF RemotePointerItem::boundingRect() const
{
    return m_bounds;
}

void RemotePointerItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
                              QWidget *widget)
{
    Q_UNUSED(option)
    Q_UNUSED(widget)
    painter->setRenderHint(QPainter::Antialiasing);
    // A darker rim of the user's own colour: visible on light and dark canvases alike.
    painter->setPen(QPen(m_color.darker(170), 1));
    painter->setBrush(m_color);
    painter->drawPolygon(arrow());
    painter->drawRoundedRect(m_labelRect, 3, 3);
    // Black or white name, whichever contrasts more with the colour (perceived
    // luminance: a light green needs black even though its HSL lightness is mid).
    const double luminance = 0.2126 * m_color.redF() + 0.7152 * m_color.greenF() + 0.0722 * m_color.blueF();
    painter->setPen(luminance > 0.5 ? Qt::black : Qt::white);
    painter->drawText(m_labelRect, Qt::AlignCenter, m_name);
}
